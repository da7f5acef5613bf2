-- Steady flow: a three-stage pipeline under a steady load with a slow last
-- stage. Shows end-to-end backpressure: each stage's queue stays within its
-- capacity, latency stays bounded, and shutdown drains the cascade.
return scenario {
  name = "pipeline backpressure holds every stage's queue",
  tags = { "pipeline", "backpressure" },
  target = pipeline {
    stages = {
      { name = "parse", workers = 2, cap = 16, cost = "200us" },
      { name = "enrich", workers = 4, cap = 16, cost = "1ms" },
      { name = "store", workers = 2, cap = 4, cost = "1500us" },
    },
  },
  load = closed_loop { clients = 16, think = "5ms", duration = "3s" },
  checks = {
    bounded_queue("parse", 16), bounded_queue("enrich", 16), bounded_queue("store", 4),
    no_lost_jobs(), exactly_once(), no_leaked_tasks(),
    p99_below("100ms"), drains_within("200ms"),
  },
}
