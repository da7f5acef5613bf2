-- The harness's speed figure (bench=scenario_rate2000): a 10-second,
-- 2000 requests/s scenario, run in sim mode from process start to exit.
return scenario {
  name = "bench: 10 s at 2000 req/s",
  target = pool { workers = 8, queue = 128, cost = "1ms" },
  load = open_loop { rate = 2000, duration = "10s" },
  faults = { delay { point = "svc/pool/exec", by = "5ms", p = 0.1, from = "4s", to = "6s" } },
  checks = { no_lost_jobs(), no_leaked_tasks(), recovery_within("1s") },
}
