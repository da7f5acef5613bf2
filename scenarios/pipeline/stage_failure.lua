-- Stage failure: the "enrich" stage fails once. Errgroup semantics: the
-- failure cancels the pipeline's context, every stage exits, channels close
-- in order, jobs in flight are cancelled (not lost), nothing panics, and
-- the cancellation reaches every task quickly.
return scenario {
  name = "a failing stage cancels the whole pipeline once",
  tags = { "pipeline", "error" },
  target = pipeline {
    stages = {
      { name = "parse", workers = 2, cap = 8, cost = "1ms" },
      { name = "enrich", workers = 4, cap = 8, cost = "3ms" },
      { name = "store", workers = 2, cap = 8, cost = "1ms" },
    },
  },
  load = open_loop { rate = 300, duration = "2s" },
  faults = {
    error { point = "svc/pipeline/enrich/process", err = "EIO", max = 1, from = "1s" },
  },
  checks = {
    no_leaked_tasks(), no_lost_jobs(), no_panics(), no_deadlock(),
    cancel_propagates_within("10ms"),
  },
}
