---@meta gauntlet
-- gauntlet.lua — definitions of the scenario language for the Lua language
-- server (LuaLS, "sumneko"): every global the sandbox gives scenario files,
-- the tables each constructor accepts, the `t` object of the script form and
-- the `run` table of custom checks. Never loaded by gauntlet: it only tells
-- an editor what exists. The repo's .luarc.json points LuaLS here; for
-- scenarios kept elsewhere, add this directory to `workspace.library`.
--
-- The reference is docs/lua-api.md; docs/checks.md details every check.
-- tests/harness/test_docs.c fails when this file and the loader disagree
-- (a global, a constructor's key, a bug, metric or phase name).

-------------------------------------------------------------------- values

---A duration: a string `"<number><unit>"` with unit `ns`, `us`, `ms`, `s` or
---`m` (`"250us"`, `"50ms"`, `"1.5s"`, `"2m"`; no blanks, no sign, at most 9
---decimals), or a Lua number of seconds (`0.5`, `2`). Never negative.
---@alias gauntlet.Duration string|number

---A name used in fault-point names: 1 to 47 letters, digits, `_`, `.` or `-`.
---@alias gauntlet.Name string

---How a jittered duration is drawn.
---@alias gauntlet.Dist
---| "fixed"       # no jitter allowed
---| "uniform"     # adds U[0, jitter): the default when jitter is set
---| "exponential" # adds Exp(mean jitter), capped at 20 x jitter

---A known defect of the reference service to switch on (docs/service.md,
---"Known bugs"). A bug the target does not honour is an error.
---@alias gauntlet.Bug
---| "unbounded_spawn"  # pool: a task per job instead of bounded workers
---| "leak_on_cancel"   # pool, pipeline: a worker blocks forever sending a result nobody reads
---| "no_close_jobs"    # pool: stop never closes the jobs channel; workers wait forever
---| "ignore_ctx"       # pool, pipeline: work goes on after its context is cancelled
---| "wg_add_in_task"   # pool: WaitGroup.Add inside the task: stop's drain returns early
---| "send_after_close" # pipeline: a stage's input closed while a worker still sends
---| "no_timeout"       # the dependency's client (needs dep): no per-attempt deadline
---| "ticker_leak"      # pool: the queue sampler's ticker is never stopped
---| "no_dedupe"        # the front (needs a load via = "front"): retries execute again
---| "unbounded_queue"  # pool: the queue grows past its capacity
---| "retry_storm"      # the dependency's client (needs dep): retries at once, no backoff, no breaker

---An errno name (or a positive integer, 1 to 4095).
---@alias gauntlet.Errno
---| "EIO" | "ETIMEDOUT" | "ECONNRESET" | "ECONNREFUSED" | "ECONNABORTED" | "EAGAIN"
---| "ENOMEM" | "EPIPE" | "EPROTO" | "ECANCELED" | "EBUSY" | "ENOSPC" | "EINVAL"
---| "ENOENT" | "EEXIST" | "EPERM" | "EACCES" | "EINTR" | "EBADF" | "EMFILE" | "ENFILE"
---| "ENOBUFS" | "ENOTCONN" | "ESHUTDOWN" | "ENETDOWN" | "ENETUNREACH" | "EHOSTUNREACH"
---| "EADDRINUSE" | "EDEADLK" | "ERANGE" | "EOVERFLOW" | "ENOSYS" | "EMSGSIZE" | "EROFS"
---| "EDQUOT" | "ESTALE"
---| integer

---What recovery_within watches.
---@alias gauntlet.Metric
---| "throughput"  # jobs completed per second (the default)
---| "latency_p99" # p99 request latency, ns
---| "error_rate"  # failed / answered requests
---| "live_tasks"  # tasks alive

---A phase of the run, on the scenario clock.
---@alias gauntlet.Phase
---| "all"      # the whole run (the default)
---| "baseline" # before the first fault
---| "fault"    # from the first fault's start until the last fault cleared
---| "recovery" # after the last fault cleared, until recovered
---| "steady"   # after recovery until the end

---Work per job: a fixed duration, or a table with jitter.
---@alias gauntlet.Cost gauntlet.Duration|gauntlet.CostSpec

-------------------------------------------------------------------- opaque values

---What scenario { } returns; a file returns one or a list of them.
---@class gauntlet.Scenario

---What pool { } and pipeline { } return: scenario { target = ... }.
---@class gauntlet.Target

---What open_loop { } and closed_loop { } return: scenario { load = ... } or t:load(...).
---@class gauntlet.Load

---What a fault constructor returns: scenario { faults = { ... } } or t:inject(...).
---@class gauntlet.Fault

---What a check constructor returns: scenario { checks = { ... } }.
---@class gauntlet.Check

-------------------------------------------------------------------- scenario

---@class gauntlet.ScenarioSpec
---@field name string Required. 1 to 200 printable characters, unique within the run.
---@field description? string Shown in reports; at most 4000 characters. Default "".
---@field tags? string[] At most 64 words (no blanks, no commas, at most 64 characters each), for `--tag`.
---@field seed? integer The run seed, >= 1. Default: derived from the suite seed and the name.
---@field mode? "sim"|"real" Virtual clock and network, or real ones. Default: the command's `--mode`, else "sim".
---@field target gauntlet.Target Required: pool { } or pipeline { }.
---@field load? gauntlet.Load open_loop { } or closed_loop { }. A scenario needs a load or a script.
---@field faults? gauntlet.Fault[] At most 1000; armed when the target starts (script form: at t:start()).
---@field checks? gauntlet.Check[] At most 1000; judged after the run. Two with the same label are an error.
---@field script? fun(t: gauntlet.Script) Drives the run step by step (docs/lua-api.md, "Script form").
---@field duration? gauntlet.Duration How long the run lasts. Default 0: the load's start + duration, or until the script returns.
---@field sample? gauntlet.Duration Metrics sampling interval, >= 100us. Default "10ms".
---@field grace? gauntlet.Duration How long stop waits for work to drain before cancelling. Default "1s".

---A scenario: a target, the load driving it, the faults injected into it
---and the checks judged afterwards. Its parts are checked against each
---other here (fault points against the target, queue names, ...).
---@param spec gauntlet.ScenarioSpec
---@return gauntlet.Scenario
---@nodiscard
function scenario(spec) end

-------------------------------------------------------------------- targets

---Work per job as a table. `dist = "fixed"` with a jitter is an error.
---@class gauntlet.CostSpec
---@field fixed? gauntlet.Duration The fixed part. Default 0.
---@field jitter? gauntlet.Duration The random part, drawn by dist. Default 0.
---@field dist? gauntlet.Dist Default "uniform" when jitter is set, else "fixed".

---The downstream dependency the target calls over the network (`net/dep/...` points), and its client.
---@class gauntlet.DepSpec
---@field cost? gauntlet.Cost The dependency's work per call. Default 0.
---@field latency? gauntlet.Duration One-way link latency (sim). Default "50us".
---@field timeout? gauntlet.Duration Per attempt, > 0. Default "100ms".
---@field retries? integer Attempts after the first, 0 to 100. Default 0.
---@field backoff? gauntlet.Duration Before the first retry; doubles, full jitter. Default "10ms".
---@field backoff_max? gauntlet.Duration 0, or >= backoff. Default 0 (= 64 x backoff).
---@field breaker_failures? integer Consecutive failures that open the breaker, 0 to 1000000. Default 0 (no breaker).
---@field breaker_cooldown? gauntlet.Duration Open -> half-open after this. Required with breaker_failures; an error without.

---The server the load talks to when it has `via = "front"` (`net/front/...`, `svc/front/...` points).
---@class gauntlet.FrontSpec
---@field max_conns? integer Connections served at once, 1 to 100000. Default 64.
---@field read_timeout? gauntlet.Duration > 0. Default "1s".
---@field write_timeout? gauntlet.Duration > 0. Default "1s".
---@field latency? gauntlet.Duration One-way link latency (sim). Default "50us".

---@class gauntlet.PoolSpec
---@field name? gauntlet.Name Names its points (`svc/<name>/exec`) and its queue. Default "pool".
---@field workers? integer Workers always running, 1 to 100000. Default 4.
---@field max_workers? integer 0, or workers to 100000: grow up to this many when no worker is idle. Default 0 (fixed pool).
---@field idle_timeout? gauntlet.Duration An added worker idle this long exits. Default 0 (= 1s).
---@field queue? integer Jobs waiting for a worker, 0 to 1048576. Default 64.
---@field job_timeout? gauntlet.Duration A job's deadline from submission. Default 0 (none).
---@field cost? gauntlet.Cost Work per job (per part when it fans out). Default 0.
---@field fanout? integer 0 to 1024; n > 1: a job's work is n parallel parts (`task/spawn/pool.part`). Default 0.
---@field task_budget? integer Parts of one job running at once, 0 to 1024. Default 0 (all).
---@field error_rate? number Share of jobs failing with EIO, in [0, 1]. Default 0.
---@field dep? gauntlet.DepSpec After its cost, each job calls the dependency once. Default: none.
---@field front? gauntlet.FrontSpec The front, when the load goes through it. Default: the defaults of FrontSpec.
---@field bugs? gauntlet.Bug[] Known defects to switch on. Default: none.

---A pool of workers taking jobs from a queue.
---@param spec gauntlet.PoolSpec
---@return gauntlet.Target
---@nodiscard
function pool(spec) end

---A stage of a pipeline.
---@class gauntlet.StageSpec
---@field name gauntlet.Name Required; unique among the stages: names its queue (`chan/<name>/...`) and its point (`svc/<pipeline>/<name>/process`).
---@field workers? integer 1 to 100000. Default 1.
---@field cap? integer Capacity of its input channel, 0 to 1048576. Default 16.
---@field cost? gauntlet.Cost Work per job. Default 0.
---@field error_rate? number In [0, 1]; a stage error fails the job and the pipeline. Default 0.
---@field dep? boolean This stage calls the pipeline's dependency (needs the pipeline's dep). Default false.

---@class gauntlet.PipelineSpec
---@field name? gauntlet.Name Names its points (`svc/<name>/<stage>/process`). Default "pipeline".
---@field stages gauntlet.StageSpec[] Required: 1 to 16 stages, in order.
---@field job_timeout? gauntlet.Duration A job's deadline from submission. Default 0 (none).
---@field dep? gauntlet.DepSpec The dependency the stages with `dep = true` call; one that no stage calls is an error.
---@field front? gauntlet.FrontSpec As for the pool.
---@field bugs? gauntlet.Bug[] Known defects to switch on. Default: none.

---A chain of stages connected by channels; a job passes through every stage in turn.
---@param spec gauntlet.PipelineSpec
---@return gauntlet.Target
---@nodiscard
function pipeline(spec) end

-------------------------------------------------------------------- loads

---@class gauntlet.OpenLoopSpec
---@field rate number Required: requests per second, > 0 and <= 1e9.
---@field duration gauntlet.Duration Required, > 0: how long requests are started.
---@field jitter? boolean Exponential inter-arrival times (Poisson) instead of even spacing. Default false.
---@field max_outstanding? integer Requests in flight at most (more are shed), 0 to 1000000. Default 0 (= 10000).
---@field timeout? gauntlet.Duration Per attempt, > 0. Default "1s".
---@field retries? integer Attempts after the first (same request id), 0 to 100. Default 0.
---@field backoff? gauntlet.Duration Before a retry, doubling, full jitter. Default "10ms".
---@field via? "front" Send the requests through the front over the network. Default: in-process.
---@field start? gauntlet.Duration When the load starts, after the run starts. Default 0.

---Requests started at a fixed rate, whether or not earlier ones were answered.
---@param spec gauntlet.OpenLoopSpec
---@return gauntlet.Load
---@nodiscard
function open_loop(spec) end

---@class gauntlet.ClosedLoopSpec
---@field clients integer Required: concurrent clients, 1 to 100000.
---@field duration gauntlet.Duration Required, > 0: how long requests are started.
---@field think? gauntlet.Duration A client's pause between requests. Default 0.
---@field timeout? gauntlet.Duration Per attempt, > 0. Default "1s".
---@field retries? integer Attempts after the first (same request id), 0 to 100. Default 0.
---@field backoff? gauntlet.Duration Before a retry, doubling, full jitter. Default "10ms".
---@field via? "front" Send the requests through the front over the network. Default: in-process.
---@field start? gauntlet.Duration When the load starts, after the run starts. Default 0.

---Clients that each send a request, wait for its answer, think, and send the next.
---@param spec gauntlet.ClosedLoopSpec
---@return gauntlet.Load
---@nodiscard
function closed_loop(spec) end

-------------------------------------------------------------------- faults

---The keys every fault kind shares: where and when it fires. A hit (the
---point reached inside the window) fires when all of them allow it.
---@class gauntlet.Activation
---@field point string Required: a point as `gauntlet points` lists it, with this world's names (`svc/pool/exec`), or a prefix and `*` (`net/dep/*`). At most 95 characters.
---@field p? number Probability a hit fires, in [0, 1] (drawn from the run seed). Default 1.
---@field nth? integer >= 1: only every nth hit. Default: every hit.
---@field first? integer >= 1: only the first n hits. Default: no limit.
---@field max? integer >= 1: at most n firings. Default: no limit.
---@field from? gauntlet.Duration Window start, from the start of the run (t:inject: now, if from is earlier). Default 0.
---@field to? gauntlet.Duration Window end, from the start of the run, after from. Default: never (armed to the end of the run).

---@class gauntlet.DelaySpec: gauntlet.Activation
---@field by gauntlet.Duration Required: how long the operation waits.
---@field jitter? gauntlet.Duration Added at random, drawn by dist. Default 0.
---@field dist? gauntlet.Dist Default "uniform" when jitter is set, else "fixed".

---@class gauntlet.ErrorSpec: gauntlet.Activation
---@field err? gauntlet.Errno The error the operation fails with. Default "EIO".

---@class gauntlet.FullSpec: gauntlet.Activation

---@class gauntlet.BlockSpec: gauntlet.Activation

---@class gauntlet.DropSpec: gauntlet.Activation
---@field phase? "before"|"mid"|"after" When the connection is aborted. Default "before".

---@class gauntlet.ShortSpec: gauntlet.Activation
---@field bytes integer Required: a read or write transfers at most this many bytes, 0 to 2147483647.

---@class gauntlet.SpawnFailSpec: gauntlet.Activation
---@field err? gauntlet.Errno The error creating the task fails with. Default "EAGAIN".

---The operation waits `by` (+ jitter) before it proceeds.
---Points: chan, task/spawn, net, svc.
---@param spec gauntlet.DelaySpec
---@return gauntlet.Fault
---@nodiscard
function delay(spec) end

---Called with one plain table (no metatable): a fault, the operation fails
---with `err`. Otherwise Lua's own `error(message [, level])`; to raise a
---table as an error object, give it a metatable or a level (`error(t, 1)`).
---@param spec gauntlet.ErrorSpec
---@return gauntlet.Fault
---@nodiscard
---@overload fun(message: any, level?: integer): nil
function error(spec) end

---A send acts as if the channel were full until the fault clears or its
---window ends. Points: `chan/<name>/send`.
---@param spec gauntlet.FullSpec
---@return gauntlet.Fault
---@nodiscard
function full(spec) end

---The task parks at the point until the fault is cleared (or its window
---ends). Without `to` it never is: a leak by design. Points: chan,
---task/spawn, svc exec/process.
---@param spec gauntlet.BlockSpec
---@return gauntlet.Fault
---@nodiscard
function block(spec) end

---The connection is aborted. Points: `net/<endpoint>/...`, `svc/front/...`.
---@param spec gauntlet.DropSpec
---@return gauntlet.Fault
---@nodiscard
function drop(spec) end

---A read or write transfers only `bytes` bytes. Points: `net/<endpoint>/read`, `write`.
---@param spec gauntlet.ShortSpec
---@return gauntlet.Fault
---@nodiscard
function short(spec) end

---Creating the task fails with `err`. Points: `task/spawn/<name>`.
---@param spec gauntlet.SpawnFailSpec
---@return gauntlet.Fault
---@nodiscard
function spawn_fail(spec) end

-------------------------------------------------------------------- checks

---No task of the target or its load is alive after stop (each one left is
---listed: name, spawn site, what it blocks on).
---@return gauntlet.Check
---@nodiscard
function no_leaked_tasks() end

---Every accepted job reached a final state (fails when no job was submitted).
---@return gauntlet.Check
---@nodiscard
function no_lost_jobs() end

---No job executed twice, and every completed job executed (fails when no
---job was submitted).
---@return gauntlet.Check
---@nodiscard
function exactly_once() end

---Live tasks of the target (workers, parts, per-job tasks, the dependency's
---and the front's; not the load's) never exceeded n at a sample.
---@param n integer 1 to 1e9 tasks.
---@return gauntlet.Check
---@nodiscard
function max_tasks(n) end

---The named queue of the target never held more than n jobs (its exact peak).
---@param queue gauntlet.Name The pool's name, or a stage's.
---@param n integer 0 to 1e9 jobs.
---@return gauntlet.Check
---@nodiscard
function bounded_queue(queue, n) end

---@class gauntlet.RecoveryOptions
---@field metric? gauntlet.Metric What is watched. Default "throughput".
---@field tolerance? number The band's half-width as a fraction of the baseline mean (absolute when the mean is 0), in (0, 10]. Default 0.1.
---@field hold? gauntlet.Duration How long the metric must stay in the band. Default "200ms".

---After the last fault cleared, the metric was back in its baseline band
---(and stayed there for `hold`) within d. Needs faults (or a script).
---@param d gauntlet.Duration > 0.
---@param opts? gauntlet.RecoveryOptions
---@return gauntlet.Check
---@nodiscard
function recovery_within(d, opts) end

---@class gauntlet.P99Options
---@field phase? gauntlet.Phase The requests answered in this phase. Default "all".

---The p99 latency of the requests answered (in the phase) was strictly below d.
---@param d gauntlet.Duration > 0.
---@param opts? gauntlet.P99Options
---@return gauntlet.Check
---@nodiscard
function p99_below(d, opts) end

---Failed / answered requests, as the load saw them, stayed below x.
---@param x number In (0, 1].
---@return gauntlet.Check
---@nodiscard
function error_rate_below(x) end

---Stop drained every job and ended every task of the target within d,
---without cancelling anything.
---@param d gauntlet.Duration > 0.
---@return gauntlet.Check
---@nodiscard
function drains_within(d) end

---Once the target was cancelled (stop's grace ran out, or a pipeline stage
---failed), every task of the target exited within d. Fails when nothing
---was cancelled.
---@param d gauntlet.Duration > 0.
---@return gauntlet.Check
---@nodiscard
function cancel_propagates_within(d) end

---The world never deadlocked, and the target's tasks left after stop do
---not all wait on each other for good.
---@return gauntlet.Check
---@nodiscard
function no_deadlock() end

---No panic event: send on a closed channel, double close, negative WaitGroup, ...
---@return gauntlet.Check
---@nodiscard
function no_panics() end

---A custom check: fn(run) returning true passes; false, nil or an error
---fails it (an error's message becomes the detail).
---@param name string 1 to 200 characters: the check's label.
---@param fn fun(run: gauntlet.Run): boolean?
---@return gauntlet.Check
---@nodiscard
function check(name, fn) end

-------------------------------------------------------------------- the sandbox's own versions

---Load the Lua text module `<root>/<name>.lua`, the dots of the name as
---directory separators (`require("lib.common")` -> `<root>/lib/common.lua`),
---where root is the suite's root directory. Names are identifiers joined by
---dots. The module runs once; its result (true when it returns nothing) is
---cached.
---@param name string
---@return any
function require(name) end

---Lua's load, for text chunks only: a binary chunk returns nil and an
---error, and a mode other than "t" is an error.
---@param chunk string|function
---@param chunkname? string
---@param mode? "t"
---@param env? table
---@return function?
---@return string? error_message
function load(chunk, chunkname, mode, env) end

---Lua's setmetatable, refusing a metatable with a `__gc` field.
---@generic T: table
---@param t T
---@param mt? table
---@return T
function setmetatable(t, mt) end

-------------------------------------------------------------------- the script form

---The options of t:stop.
---@class gauntlet.StopOptions
---@field grace? gauntlet.Duration Default: the scenario's grace.

---What t:load returns.
---@class gauntlet.LoadHandle
local LoadHandle = {}

---Wait until every request of this load has been answered; true when they all were.
---@return boolean
function LoadHandle:wait() end

---What t:inject returns.
---@class gauntlet.FaultHandle
---@field id integer The armed fault's id.
local FaultHandle = {}

---Disarm this fault; true when it was armed.
---@return boolean
function FaultHandle:clear() end

---The target's counters now (t:stats()).
---@class gauntlet.Stats
---@field submitted integer Jobs submitted.
---@field completed integer Jobs completed.
---@field failed integer Jobs failed.
---@field cancelled integer Jobs cancelled.
---@field rejected integer Jobs rejected (queue full, stopped).
---@field queued integer Jobs waiting now.
---@field running integer Jobs running now.
---@field workers integer Workers alive now.
---@field live_tasks integer Live tasks of the target at the last sample.
---@field requests_ok integer Requests answered successfully.
---@field requests_failed integer Requests answered with an error.
---@field faults_fired integer Fault firings so far.

---The `t` a scenario's script gets: it drives the run on the scenario clock.
---@class gauntlet.Script
local Script = {}

---Start the target (and the front); arm the declared faults; start the declared load. Once.
function Script:start() end

---Start a load now. Needs t:start() first.
---@param spec gauntlet.Load open_loop { } or closed_loop { }
---@return gauntlet.LoadHandle
function Script:load(spec) end

---Let d of scenario time pass (in sim mode, no wall time).
---@param d gauntlet.Duration
function Script:sleep(d) end

---Seconds since the scenario started.
---@return number
function Script:now() end

---Arm a fault now: its window is on the run's clock, from the start of the
---run; a from earlier than now means now. Needs t:start() first.
---@param fault gauntlet.Fault
---@return gauntlet.FaultHandle
function Script:inject(fault) end

---Disarm every fault; returns how many were armed.
---@return integer
function Script:clear() end

---Stop the loads' intake and the target with a grace; the requests still out are answered.
---@param opts? gauntlet.StopOptions
function Script:stop(opts) end

---Record an expectation: each call site becomes a check named msg, failing
---if cond was ever false there (measured: "k of n held"). Returns cond.
---@param cond any
---@param msg? string Default "expectation".
---@return boolean
function Script:expect(cond, msg) end

---The target's counters now.
---@return gauntlet.Stats
function Script:stats() end

-------------------------------------------------------------------- the run table

---Counts of the ledger's jobs.
---@class gauntlet.RunJobs
---@field total integer Jobs submitted.
---@field completed integer
---@field failed integer
---@field cancelled integer
---@field rejected integer
---@field lost integer Still accepted after stop.
---@field executions integer Times a job's work ran.
---@field duplicated integer Jobs executed more than once.
---@field never_run integer Jobs completed without executing.
---@field retried integer Jobs whose request was retried.

---@class gauntlet.RunRequests
---@field ok integer Requests answered successfully.
---@field failed integer Requests answered with an error (timeouts included).
---@field total integer ok + failed.

---Latency of the requests answered in a phase, in seconds (only n when none was).
---@class gauntlet.RunLatency
---@field n integer Requests answered in the phase.
---@field p50? number Seconds.
---@field p90? number Seconds.
---@field p99? number Seconds.
---@field max? number Seconds.

---Per phase; a phase the run did not have is absent.
---@class gauntlet.RunLatencies
---@field all gauntlet.RunLatency
---@field baseline? gauntlet.RunLatency
---@field fault? gauntlet.RunLatency
---@field recovery? gauntlet.RunLatency
---@field steady? gauntlet.RunLatency

---@class gauntlet.RunTasks
---@field peak integer The most tasks of the target alive at a sample.
---@field leaked integer Tasks of the target and its load alive after stop.

---@class gauntlet.RunRecovery
---@field recovered boolean The metric came back into its baseline band.
---@field time? number Seconds from the last fault clearing to recovery (when recovered).
---@field at? number Seconds since the start: the recovery point (when recovered).

---@class gauntlet.RunQueue
---@field peak integer The queue's exact peak depth (jobs).
---@field cap integer Its capacity (jobs).

---One entry per sample.
---@class gauntlet.RunSeries
---@field t number[] Seconds since the start: when each sample was taken.
---@field completed number[] Jobs completed in the interval since the previous sample.
---@field in_flight number[] Jobs queued or running at the sample.
---@field live_tasks number[] Live tasks of the target at the sample.
---@field p99 number[] Seconds: p99 latency of the requests answered in the interval (0 when none was).

---What a custom check's function gets: the judged run. Times in seconds.
---@class gauntlet.Run
---@field name string The scenario's name.
---@field seed integer The run seed (its low 63 bits).
---@field mode "sim"|"real"
---@field duration number Seconds: the measured run.
---@field jobs gauntlet.RunJobs
---@field requests gauntlet.RunRequests
---@field latency gauntlet.RunLatencies
---@field tasks gauntlet.RunTasks
---@field recovery? gauntlet.RunRecovery Present when faults cleared during the run.
---@field queues table<string, gauntlet.RunQueue> By queue name (the pool's, or each stage's).
---@field faults_fired integer Fault firings.
---@field panics integer Panic events.
---@field series gauntlet.RunSeries
