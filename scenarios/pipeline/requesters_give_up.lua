-- Requesters that give up, in a pipeline: for a second a tenth of the jobs
-- stall 50 ms in the "score" stage while callers wait only 20 ms, so many
-- requesters walk away with their job still inside a stage. Shows that a
-- job nobody waits for any more is cancelled at whichever stage holds it
-- and the stage worker moves on: no stage worker is stranded holding a
-- result nobody will read, the pipeline is not failed by a caller's
-- impatience, throughput is back once the stalls stop, and every job is
-- accounted for (a given-up job as cancelled, not completed behind its
-- caller's back). (The same for a pool: pool/requesters_give_up.lua.)
local common = require("lib.common")

return scenario {
  name = "pipeline jobs whose requesters gave up free their stage workers",
  tags = { "pipeline", "cancel", "timeout" },
  target = pipeline {
    stages = {
      { name = "decode", workers = 4, cap = 16, cost = { fixed = "1ms", jitter = "1ms" } },
      { name = "score", workers = 8, cap = 16, cost = { fixed = "2ms", jitter = "2ms" } },
    },
  },
  load = open_loop { rate = 400, duration = "3s", timeout = "20ms" },
  faults = {
    delay { point = "svc/pipeline/score/process", by = "50ms", p = 0.1, from = "1s", to = "2s" },
  },
  checks = {
    no_leaked_tasks(), no_lost_jobs(), exactly_once(),
    max_tasks(16),             -- 12 stage workers, a closer, the overseer
    common.at_least("jobs whose requesters gave up were cancelled",
      function(run) return run.jobs.cancelled end, 10, "jobs"),
    recovery_within("500ms"),
  },
}
