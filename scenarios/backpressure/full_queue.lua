-- Full queue: for a second every job takes 30 ms longer (a slow backend),
-- so the four workers serve some 130 jobs/s while 800/s keep arriving: the
-- job queue fills to its capacity and stays full. Shows backpressure: once
-- the queue is full, submitters wait for room and are rejected at their
-- deadline instead of the queue growing; the queue never holds more than
-- its capacity, the task count stays flat, every job is accounted for, and
-- throughput is back soon after the backend recovers. A queue without a
-- bound hides the overload until memory runs out.
local common = require("lib.common")

return scenario {
  name = "a full queue pushes back instead of growing",
  tags = { "backpressure", "full" },
  target = pool { workers = 4, queue = 16, cost = "2ms" },
  load = open_loop { rate = 800, duration = "3s", timeout = "100ms" },
  faults = {
    delay { point = "svc/pool/exec", by = "30ms", from = "1s", to = "2s" },
  },
  checks = {
    bounded_queue("pool", 16),
    common.at_least("submitters were pushed back (rejected while the queue was full)",
      function(run) return run.jobs.rejected end, 1, "jobs"),
    no_lost_jobs(), no_leaked_tasks(), max_tasks(10),
    recovery_within("500ms"),
  },
}
