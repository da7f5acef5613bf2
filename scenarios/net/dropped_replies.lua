-- Dropped connections: the front executes a request, then the connection
-- is cut before the reply is sent. The client retries the same request id;
-- the front's dedupe answers from the stored result. Shows exactly-once
-- execution under retries, and that no job is lost.
return scenario {
  name = "dropped replies are retried exactly once",
  tags = { "net", "drop", "front" },
  target = pool { workers = 4, queue = 32, cost = "1ms" },
  load = open_loop { rate = 200, duration = "3s", via = "front", retries = 3,
                     timeout = "200ms", backoff = "5ms" },
  faults = {
    drop { point = "svc/front/reply", p = 0.2, from = "1s", to = "2s" },
  },
  checks = {
    exactly_once(), no_lost_jobs(), no_leaked_tasks(),
    error_rate_below(0.01),
  },
}
