-- A stuck dependency: for two seconds every call to the downstream service
-- takes 2 s to answer. The client's per-call timeout and circuit breaker
-- bound the damage: jobs fail fast instead of piling up, tasks stay
-- bounded, and throughput recovers once the dependency is healthy.
return scenario {
  name = "a stuck dependency is cut off by timeouts",
  tags = { "net", "delay", "dependency" },
  target = pool {
    workers = 8, queue = 64, cost = "1ms", job_timeout = "500ms",
    dep = { cost = "1ms", timeout = "50ms", retries = 1, backoff = "10ms",
            breaker_failures = 5, breaker_cooldown = "200ms" },
  },
  load = open_loop { rate = 300, duration = "6s", timeout = "1s" },
  faults = {
    delay { point = "net/dep/read", by = "2s", from = "2s", to = "4s" },
  },
  checks = {
    no_leaked_tasks(), no_lost_jobs(), max_tasks(300),
    recovery_within("1s"),
  },
}
