-- A blackholed dependency: for a second, connections to the downstream
-- service hang (its host drops SYNs; a connect would wait 30 s). Shows that
-- the client's per-attempt timeout bounds every call, so a job never waits
-- on the dependency longer than its budget: workers stay free, the circuit
-- breaker soon stops calling the dead host (a dozen hung connects, not one
-- per job and retry), nothing leaks or is lost, and throughput is back once
-- the host answers. Without a deadline on the call, every worker ends up
-- parked in a connect that no cancellation reaches; without backoff and a
-- breaker, every job hammers the dead host with all its retries.
local common = require("lib.common")

return scenario {
  name = "a blackholed dependency is cut off by the call timeout",
  tags = { "net", "delay", "dependency", "timeout", "real" },
  target = pool {
    workers = 8, queue = 64, cost = "1ms", job_timeout = "300ms",
    dep = { cost = "1ms", timeout = "50ms", retries = 1, backoff = "10ms",
            breaker_failures = 5, breaker_cooldown = "200ms" },
  },
  load = open_loop { rate = 300, duration = "4s", timeout = "500ms" },
  faults = {
    delay { point = "net/dep/connect", by = "30s", from = "1s", to = "2s" },
  },
  checks = {
    no_leaked_tasks(), no_lost_jobs(), max_tasks(40),
    p99_below("200ms", { phase = "fault" }),
    common.at_most("the breaker spares the dead host (hung connects)",
      function(run) return run.faults_fired end, 50, "connects"),
    recovery_within("500ms"),
  },
}
