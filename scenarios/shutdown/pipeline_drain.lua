-- Graceful shutdown of a pipeline under load: the pipeline is stopped
-- while every stage is busy and its channels hold jobs. Shows the close
-- cascade: the first stage's channel is closed, each stage drains what it
-- holds and closes the next one only when its last worker has left, so
-- every job in flight reaches the end within the grace — nothing is sent
-- on a closed channel, nothing is cancelled, lost or run twice, and every
-- task exits. Closing a channel while another worker of the same stage is
-- still sending on it is the classic "send on closed channel" panic.
local common = require("lib.common")

return scenario {
  name = "a pipeline stopped under load drains through every stage",
  tags = { "shutdown", "pipeline", "drain", "real" },
  target = pipeline {
    stages = {
      { name = "parse", workers = 4, cap = 8, cost = { fixed = "1ms", jitter = "2ms" } },
      { name = "enrich", workers = 4, cap = 8, cost = { fixed = "2ms", jitter = "4ms" } },
      { name = "store", workers = 2, cap = 8, cost = { fixed = "1ms", jitter = "1ms" } },
    },
  },
  script = function(t)
    t:start()
    t:load(closed_loop { clients = 32, duration = "10s", timeout = "1s" })
    t:sleep("1s")
    local before = t:stats()
    t:expect(before.running > 0, "the pipeline was busy when stopped")
    t:stop { grace = "1s" }
    local s = t:stats()
    t:expect(s.cancelled == 0 and s.failed == 0, "no job cancelled or failed by the stop")
    t:expect(s.workers == 0, "every stage worker exited")
  end,
  checks = {
    no_panics(), drains_within("200ms"), exactly_once(),
    no_lost_jobs(), no_leaked_tasks(), no_deadlock(),
  },
}
