-- Spawn failure: a job fans out into 4 parts, each its own task, and for a
-- second creating a part fails (resource exhaustion). Shows that a job
-- whose part cannot start fails cleanly — its other parts are cancelled,
-- nothing leaks — and that the task budget holds throughout.
return scenario {
  name = "spawn failure fails the job, not the pool",
  tags = { "pool", "spawn_fail" },
  target = pool { workers = 4, queue = 16, cost = "2ms", fanout = 4, task_budget = 2 },
  load = open_loop { rate = 200, duration = "3s" },
  faults = {
    spawn_fail { point = "task/spawn/pool.part", p = 0.1, from = "1s", to = "2s" },
  },
  checks = {
    no_leaked_tasks(), no_lost_jobs(), exactly_once(), no_panics(),
    max_tasks(64),
  },
}
