-- Graceful shutdown under load: the script runs a load, stops the pool in
-- the middle of it with a grace period, and expects every queued job to be
-- finished within the grace, nothing cancelled or lost, and every task gone.
-- Two shapes: four workers behind a queue, and a single worker with a
-- backlog of some thirty jobs — there the pool is idle for an instant
-- between two jobs, which is when a drain that counts only the jobs
-- already picked up (WaitGroup.Add inside the worker) believes it is done
-- and cancels the backlog.
local function drain(name, workers, cost)
  return scenario {
    name = name,
    tags = { "shutdown", "script", "drain", "real" },
    target = pool { workers = workers, queue = 64, cost = cost },
    script = function(t)
      t:start()
      t:load(closed_loop { clients = 32, duration = "10s", timeout = "2s" })
      t:sleep("1s")
      t:expect(t:stats().queued > 0, "jobs were queued when the stop began")
      t:stop { grace = "1s" }
      local s = t:stats()
      t:expect(s.cancelled == 0, "no job cancelled by the stop")
      t:expect(s.workers == 0, "every worker exited")
    end,
    checks = {
      check("every accepted job completed", function(run)
        local j = run.jobs
        if j.completed + j.rejected ~= j.total then
          error(string.format("%d of %d jobs completed, %d rejected, %d cancelled",
            j.completed, j.total, j.rejected, j.cancelled), 0)
        end
        return true
      end),
      no_lost_jobs(), no_leaked_tasks(), drains_within("500ms"),
    },
  }
end

return {
  drain("stop under load drains within its grace", 4, "5ms"),
  drain("a lone worker drains its backlog at stop", 1, { fixed = "2ms", jitter = "4ms" }),
}
