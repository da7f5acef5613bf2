-- Full channel: for a second the job queue acts as if it were full. Shows
-- backpressure: submitters wait and are rejected at their deadline rather
-- than the queue growing, the queue never holds more than its capacity,
-- and every job is accounted for.
return scenario {
  name = "a full queue pushes back instead of growing",
  tags = { "backpressure", "full" },
  target = pool { workers = 4, queue = 16, cost = "2ms" },
  load = open_loop { rate = 800, duration = "4s", timeout = "100ms" },
  faults = {
    full { point = "chan/pool/send", from = "1s", to = "2s" },
  },
  checks = {
    bounded_queue("pool", 16), no_lost_jobs(), no_leaked_tasks(),
    max_tasks(200),
    recovery_within("500ms"),
  },
}
