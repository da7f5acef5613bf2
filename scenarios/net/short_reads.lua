-- Short reads: reads on the front's connections return a few bytes at a
-- time (a congested network). Shows that framing survives partial reads:
-- every request still parses and is answered.
return scenario {
  name = "short reads do not break framing",
  tags = { "net", "short", "front" },
  target = pool { workers = 4, queue = 32, cost = "1ms" },
  load = closed_loop { clients = 8, think = "2ms", duration = "2s", via = "front" },
  faults = {
    short { point = "net/front/read", bytes = 3, p = 0.5 },
  },
  checks = {
    no_lost_jobs(), exactly_once(), no_leaked_tasks(),
    error_rate_below(0.001),
  },
}
