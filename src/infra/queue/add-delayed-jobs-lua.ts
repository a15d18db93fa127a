/**
 * Stores many delayed jobs in one Redis call, in exactly the layout BullMQ
 * 6.7's own `addDelayedJob-6.lua` writes one job at a time: the job hash, the
 * `delayed` sorted set (score = due time × 4096 + a FIFO counter), the
 * `added` / `delayed` events and the worker's wake-up marker. BullMQ's worker,
 * `Queue.getJob` and any dashboard read these jobs as their own.
 *
 * Why our own script: BullMQ's costs about 60 µs of Redis CPU per job (two
 * msgpack decodes, a JSON encode, eleven calls), which capped the register
 * endpoint far below a bare route. Batching jobs from concurrent requests
 * pays the per-call work once per batch. `test/integration/delayed-job-writer.test.ts`
 * compares what this script writes with what `queue.add` writes, so a BullMQ
 * upgrade that changes the layout fails the tests instead of losing jobs.
 *
 * KEYS: marker, meta, id, delayed, events, then the hash key of each job.
 * ARGV: per job, in this order: id, name, data (JSON), opts (JSON), timestamp, delay (ms > 0).
 * Returns per job 1 (stored) or 0 (a job with that id existed; left as it was, as BullMQ does).
 */
export const ADD_DELAYED_JOBS_LUA = `
local rcall = redis.call
local markerKey, metaKey, idKey, delayedKey, eventsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local count = #ARGV / 6

local maxEvents = rcall("HGET", metaKey, "opts.maxLenEvents")
if not maxEvents then
  maxEvents = 10000
  rcall("HSET", metaKey, "opts.maxLenEvents", maxEvents)
end
-- BullMQ counts every added job, custom id or not.
rcall("INCRBY", idKey, count)

local results = {}
for i = 1, count do
  local base = (i - 1) * 6
  local jobId, name = ARGV[base + 1], ARGV[base + 2]
  local jobKey = KEYS[5 + i]
  if rcall("EXISTS", jobKey) == 1 then
    rcall("XADD", eventsKey, "MAXLEN", "~", maxEvents, "*", "event", "duplicated", "jobId", jobId)
    results[i] = 0
  else
    local timestamp, delay = ARGV[base + 5], ARGV[base + 6]
    rcall("HMSET", jobKey, "name", name, "data", ARGV[base + 3], "opts", ARGV[base + 4],
      "timestamp", timestamp, "delay", delay, "priority", 0)
    rcall("XADD", eventsKey, "*", "event", "added", "jobId", jobId, "name", name)

    -- Jobs due in the same millisecond keep their order (BullMQ's getDelayedScore).
    local dueAt = tonumber(timestamp) + tonumber(delay)
    local minScore = dueAt * 0x1000
    local maxScore = (dueAt + 1) * 0x1000 - 1
    local score = minScore
    local last = rcall("ZREVRANGEBYSCORE", delayedKey, maxScore, minScore, "WITHSCORES", "LIMIT", 0, 1)
    if last[2] then score = math.min(tonumber(last[2]) + 1, maxScore) end
    rcall("ZADD", delayedKey, score, jobId)
    rcall("XADD", eventsKey, "MAXLEN", "~", maxEvents, "*", "event", "delayed", "jobId", jobId, "delay", dueAt)
    results[i] = 1
  end
end

-- Once per batch: wake the worker for the earliest due job (addDelayMarkerIfNeeded).
local first = rcall("ZRANGE", delayedKey, 0, 0, "WITHSCORES")
if first[2] then rcall("ZADD", markerKey, tonumber(first[2]) / 0x1000, "1") end
return results
`;
