-- Blocked workers: some jobs hang at the worker (a lock never released)
-- until the fault clears. Shows that with a job timeout the requesters are
-- answered, the blocked workers resume once the fault is cleared, and no
-- task is left behind. (A block that is never cleared is the leak the
-- no_leaked_tasks check exists to find.)
return scenario {
  name = "blocked workers resume when the fault clears",
  tags = { "pool", "block" },
  target = pool { workers = 8, queue = 64, cost = "1ms", job_timeout = "300ms" },
  load = open_loop { rate = 400, duration = "5s", timeout = "1s" },
  faults = {
    block { point = "svc/pool/exec", p = 0.05, from = "1s", to = "2s" },
  },
  checks = {
    no_leaked_tasks(), no_lost_jobs(), no_deadlock(), no_panics(),
    recovery_within("1s"),
  },
}
