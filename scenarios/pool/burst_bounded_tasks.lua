-- A burst: on top of a steady 200 requests/s, 1000 requests arrive within
-- 100 ms (10000/s, more than ten times what the pool can serve). Shows that
-- a burst costs queueing and latency, never tasks: the pool grows only up
-- to max_workers, its queue stays within its bound while the excess waits
-- at the door, and every request is still answered, once. A service that
-- spawns a task per request turns every burst into a spike of tasks (and
-- memory) as large as the burst itself.
return scenario {
  name = "a burst is absorbed with a bounded task count",
  tags = { "pool", "burst", "backpressure", "real" },
  target = pool { workers = 4, max_workers = 8, idle_timeout = "200ms",
                  queue = 32, cost = "10ms" },
  script = function(t)
    t:start()
    local steady = t:load(open_loop { rate = 200, duration = "3s", timeout = "3s" })
    t:sleep("1s")
    local burst = t:load(open_loop { rate = 10000, duration = "100ms", timeout = "3s" })
    steady:wait()
    burst:wait()
  end,
  checks = {
    max_tasks(12),                 -- 8 workers at most, plus the pool's reaper and sampler
    bounded_queue("pool", 32),
    error_rate_below(0.001),       -- the burst waits its turn: nothing times out
    no_lost_jobs(), no_leaked_tasks(), exactly_once(),
  },
}
