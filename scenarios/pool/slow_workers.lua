-- Slow workers: every job takes 40 ms longer for two seconds (a slow disk,
-- a GC pause). Shows that the pool keeps its task count bounded while the
-- queue backs up, loses nothing, and that throughput is back to its
-- baseline soon after the delay clears — the recovery CI should guard.
return scenario {
  name = "slow workers recover and leak nothing",
  tags = { "pool", "delay" },
  target = pool { workers = 8, queue = 64, cost = "2ms", job_timeout = "1s" },
  load = open_loop { rate = 1000, duration = "8s", timeout = "2s" },
  faults = {
    delay { point = "svc/pool/exec", by = "40ms", from = "3s", to = "5s" },
  },
  checks = {
    no_leaked_tasks(), no_lost_jobs(), exactly_once(),
    max_tasks(16),              -- 8 workers and the pool's own 2, with room
    bounded_queue("pool", 64),
    recovery_within("1s"),
    p99_below("50ms", { phase = "baseline" }),
  },
}
