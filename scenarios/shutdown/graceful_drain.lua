-- Graceful shutdown under load: the script runs a load, stops the pool in
-- the middle of it with a grace period, and expects every queued job to be
-- finished within the grace, nothing cancelled or lost, and every task gone.
return scenario {
  name = "stop under load drains within its grace",
  tags = { "shutdown", "script" },
  target = pool { workers = 4, queue = 64, cost = "5ms" },
  script = function(t)
    t:start()
    t:load(closed_loop { clients = 32, duration = "10s", timeout = "2s" })
    t:sleep("1s")
    t:stop { grace = "1s" }
    local s = t:stats()
    t:expect(s.cancelled == 0, "no job cancelled by the stop")
    t:expect(s.workers == 0, "every worker exited")
  end,
  checks = { no_lost_jobs(), no_leaked_tasks(), drains_within("500ms") },
}
