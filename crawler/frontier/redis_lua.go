package frontier

import "github.com/redis/go-redis/v9"

// Lua scripts of the Redis frontier. Each script touches the keys of ONE
// market only, all named "<prefix>:{<market>}:..." so they hash to one
// Redis Cluster slot. KEYS[1] is that market's counter hash (it routes the
// call); other keys of the same market are derived from ARGV[1] (the
// "<prefix>:{<market>}:" string), which Redis allows for keys in the same slot.
//
// Items are named by their 8-byte URL fingerprint (fp) everywhere but in
// the items hash, which holds each pending item's payload (compact JSON:
// no market, which the key names, and no host when it is the URL's). A
// lease is the member "<fp><token>" of the leases set: leasing is one
// variadic ZADD, checking a batch of acks one ZMSCORE and settling it one
// ZREM, and the reaper finds the item from the member alone. Per market P:
//
//	P s:<bucket>    HASH  seen set: 6-byte fingerprint tails (dedup, never shrinks)
//	P items         HASH  fp -> payload, while queued/delayed/leased/recrawl
//	P q:<host>      ZSET  fp -> -priority*1e10 + seq (due items of one host)
//	P hosts         ZSET  host -> ms when it may next get a lease (only hosts
//	                      with due items and free capacity)
//	P hs:<host>     HASH  inflight, next (politeness), down (ms, 0 = up), fails
//	P hist:<host>   LIST  up/down events (JSON), trimmed to HistoryLen
//	P hostset       SET   every host seen (for Stats)
//	P timed         ZSET  fp -> NotBefore ms (retry backoff)
//	P recrawl       ZSET  fp -> ms (done listings scheduled again)
//	P leases        ZSET  fp..token -> deadline ms
//	P dead          HASH  fp -> dead-letter JSON (the item with market and
//	                      host, err, at); luaRequeueDead moves it back
//	P n             HASH  queued (due items), seen (seen-set size), sb (buckets), seq
//	P paused        STRING pause reason
//
// Common ARGV: [1]=P [2]=now ms [3]=host in-flight cap [4]=host delay ms
// [5]=history length; script arguments start at ARGV[6].
const luaCommon = `
local P = ARGV[1]
local now = tonumber(ARGV[2])
local cap = tonumber(ARGV[3])
local delay = tonumber(ARGV[4])
local histlen = tonumber(ARGV[5])
local touched = {}

local function I(x) return string.format('%.0f', x) end
local function hk(h) return P .. 'hs:' .. h end

local function resched(h)
  local q = P .. 'q:' .. h
  if redis.call('ZCARD', q) == 0 then
    redis.call('ZREM', P .. 'hosts', h)
    return
  end
  local s = redis.call('HMGET', hk(h), 'inflight', 'next', 'down')
  local inflight = tonumber(s[1]) or 0
  local t = tonumber(s[2]) or 0
  local down = tonumber(s[3]) or 0
  if down > 0 then
    if inflight > 0 then
      redis.call('ZREM', P .. 'hosts', h)
      return
    end
    if down > t then t = down end
  elseif inflight >= cap then
    redis.call('ZREM', P .. 'hosts', h)
    return
  end
  redis.call('ZADD', P .. 'hosts', I(t), h)
end

-- bulk runs cmd key arr... in chunks (Lua's unpack has a small limit).
local function bulk(cmd, key, arr, step)
  local res = {}
  for i = 1, #arr, step do
    local j = math.min(i + step - 1, #arr)
    local r = redis.call(cmd, key, unpack(arr, i, j))
    if type(r) == 'table' then
      for _, v in ipairs(r) do res[#res + 1] = v end
    end
  end
  return res
end

local qbuf = {}
local seq = nil
local qdelta = 0

-- enqueue buffers a due item; flushq writes the buffers.
local function enqueue(fp, host, prio)
  if not seq then seq = tonumber(redis.call('HGET', P .. 'n', 'seq')) or 0 end
  seq = seq + 1
  local b = qbuf[host]
  if not b then
    b = {}
    qbuf[host] = b
  end
  -- a number argument: Redis writes it with round-trip precision
  -- (cheaper than string.format per item, same score).
  b[#b + 1] = -prio * 1e10 + seq
  b[#b + 1] = fp
  qdelta = qdelta + 1
  touched[host] = true
end

local function flushq()
  for h, b in pairs(qbuf) do bulk('ZADD', P .. 'q:' .. h, b, 2000) end
  qbuf = {}
  if seq then redis.call('HSET', P .. 'n', 'seq', I(seq)) end
  if qdelta ~= 0 then redis.call('HINCRBY', P .. 'n', 'queued', qdelta) end
  qdelta = 0
end

-- hostof is the host of a payload: its "h", else the URL's authority
-- (the rule of the Go side's payloadHost).
local function hostof(it)
  return it.h or string.match(it.u, '://([^/?#]*)')
end

-- requeue enqueues pending items (fps) from their stored payloads and
-- returns the number requeued per host.
local function requeue(fps)
  local per = {}
  if #fps == 0 then return per end
  local ps = bulk('HMGET', P .. 'items', fps, 2000)
  for i, fp in ipairs(fps) do
    if ps[i] then
      local it = cjson.decode(ps[i])
      local h = hostof(it)
      enqueue(fp, h, tonumber(it.p) or 0)
      per[h] = (per[h] or 0) + 1
    end
  end
  return per
end

local function flush()
  flushq()
  for h in pairs(touched) do resched(h) end
  touched = {}
end

-- hostok marks a failing host up again; no write when it was up.
local function hostok(h)
  local s = redis.call('HMGET', hk(h), 'fails', 'down')
  if (tonumber(s[1]) or 0) == 0 and (tonumber(s[2]) or 0) == 0 then return false end
  redis.call('HSET', hk(h), 'fails', 0, 'down', 0)
  redis.call('RPUSH', P .. 'hist:' .. h, cjson.encode({at = now, up = true}))
  redis.call('LTRIM', P .. 'hist:' .. h, -histlen, -1)
  touched[h] = true
  return true
end

-- hostfail counts a failure of host h; f is the Go side's settlement, {"d": down-until ms
-- by consecutive failure count (the last repeats), "k": kind}: the backoff policy is not
-- written here, only looked up.
local function hostfail(h, f)
  local n = redis.call('HINCRBY', hk(h), 'fails', 1)
  local kind = f.k
  redis.call('HSET', hk(h), 'down', I(f.d[math.min(n, #f.d)]))
  redis.call('RPUSH', P .. 'hist:' .. h, cjson.encode({at = now, up = false, kind = kind}))
  redis.call('LTRIM', P .. 'hist:' .. h, -histlen, -1)
  touched[h] = true
end
`

// Add: ARGV[6]=max pages (0 = none), [7]=seen buckets (used when the
// market has none yet), then groups of items sharing host, priority and
// due time: (host, prio, notBefore ms, k) followed by k (fp, payload)
// pairs. Returns the number added.
//
// The seen set is bucketed: fingerprint bytes 1-2 pick one of sb hashes,
// bytes 3-8 are the field. Small hashes use Redis' listpack encoding
// (~10 bytes per URL instead of ~50 for a SET member) while a bucket holds
// at most hash-max-listpack-entries (128 by default) URLs, i.e. up to
// about 1.5M URLs per market with the default 16384 buckets; beyond that
// buckets turn into plain hash tables (still correct, more memory).
var luaAdd = redis.NewScript(luaCommon + `
local maxp = tonumber(ARGV[6])
local sb = tonumber(redis.call('HGET', P .. 'n', 'sb'))
if not sb then
  sb = tonumber(ARGV[7])
  redis.call('HSET', P .. 'n', 'sb', sb)
end
local seen = tonumber(redis.call('HGET', P .. 'n', 'seen')) or 0
local seen0 = seen
local skey = P .. 's:'
local tbuf, ibuf = {}, {}
local i = 8
while i <= #ARGV do
  local host, prio, nb, k = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local timed = nb > now
  local added = 0
  i = i + 4
  for j = i, i + 2 * k - 1, 2 do
    if maxp ~= 0 and seen >= maxp then break end
    local fp = ARGV[j]
    local b1, b2 = string.byte(fp, 1, 2)
    if redis.call('HSETNX', skey .. ((b1 * 256 + b2) % sb), string.sub(fp, 3), '') == 1 then
      seen = seen + 1
      added = added + 1
      ibuf[#ibuf + 1] = fp
      ibuf[#ibuf + 1] = ARGV[j + 1]
      if timed then
        tbuf[#tbuf + 1] = nb
        tbuf[#tbuf + 1] = fp
      else
        enqueue(fp, host, prio)
      end
    end
  end
  if added > 0 then redis.call('SADD', P .. 'hostset', host) end
  i = i + 2 * k
end
if #ibuf > 0 then bulk('HSET', P .. 'items', ibuf, 2000) end
if #tbuf > 0 then bulk('ZADD', P .. 'timed', tbuf, 2000) end
if seen > seen0 then redis.call('HSET', P .. 'n', 'seen', seen) end
flush()
return seen - seen0
`)

// Lease: ARGV[6]=max, [7]=deadline ms, [8]=token prefix. Returns the
// payloads of the leased items; the n-th one's lease token is the prefix
// followed by n, its member in the leases set fp..token.
var luaLease = redis.NewScript(luaCommon + `
if redis.call('EXISTS', P .. 'paused') == 1 then return {} end
local max = tonumber(ARGV[6])
local deadline = ARGV[7] -- kept a string: no number formatting per ZADD argument
local tokp = ARGV[8]
for _, z in ipairs({P .. 'timed', P .. 'recrawl'}) do
  local fps = redis.call('ZRANGEBYSCORE', z, '-inf', now, 'LIMIT', 0, 1000)
  if #fps > 0 then
    bulk('ZREM', z, fps, 2000)
    requeue(fps)
  end
end
flush()
local hosts = redis.call('ZRANGEBYSCORE', P .. 'hosts', '-inf', now, 'LIMIT', 0, max * 4 + 16)
local cands = {}
for _, h in ipairs(hosts) do
  local top = redis.call('ZRANGE', P .. 'q:' .. h, 0, 0, 'WITHSCORES')
  if #top > 0 then
    cands[#cands + 1] = {h, tonumber(top[2])}
  else
    redis.call('ZREM', P .. 'hosts', h)
  end
end
table.sort(cands, function(a, b) return a[2] < b[2] end)
local fps, lz = {}, {}
for _, c in ipairs(cands) do
  if #fps >= max then break end
  local h = c[1]
  local s = redis.call('HMGET', hk(h), 'inflight', 'down')
  local inflight = tonumber(s[1]) or 0
  local n
  if (tonumber(s[2]) or 0) > 0 then
    n = 1
  else
    n = cap - inflight
    if delay > 0 and n > 1 then n = 1 end
  end
  if n > max - #fps then n = max - #fps end
  if n > 0 then
    -- ZRANGE + ZREMRANGEBYRANK pops the same members as ZPOPMIN without
    -- formatting every score as a string for the Lua reply.
    local q = P .. 'q:' .. h
    local popped = redis.call('ZRANGE', q, 0, n - 1)
    local k = #popped
    if k > 0 then redis.call('ZREMRANGEBYRANK', q, 0, k - 1) end
    for j = 1, k do
      local fp = popped[j]
      fps[#fps + 1] = fp
      lz[#lz + 1] = deadline
      lz[#lz + 1] = fp .. tokp .. #fps
    end
    redis.call('HINCRBY', hk(h), 'inflight', k)
    qdelta = qdelta - k
    if delay > 0 then redis.call('HSET', hk(h), 'next', I(now + delay)) end
    resched(h)
  end
end
flushq()
if #fps == 0 then return {} end
bulk('ZADD', P .. 'leases', lz, 2000)
return bulk('HMGET', P .. 'items', fps, 2000)
`)

// Ack: a sequence of records, m being a lease's member fp..token:
//
//	'D', host, k, m...        k plain done outcomes of one host (marks a failing host up)
//	'R', m, host, ms, payload done, recrawl at ms (marks the host up)
//	'T', m, host, ms, payload retry at ms (payload has Attempt+1)
//	'X', m, host, dead        dead-letter (dead = its JSON)
//	'L', m, host, prio        released unused: requeue at prio
//	'W', m, host, prio, fail  host down: requeue at prio;
//	                          fail = {"d":[down-until ms by failure count],"k":kind}
//
// The Go side settles each outcome (Options.Settle): the script applies the decisions and
// deadlines it is given and holds no retry or backoff policy of its own.
//
// Records come in outcome order per host: the host's last success ('D', 'R')
// or host-down ('W') decides whether it ends up marked up.
//
// Returns 1/0 (acked / lease lost) per outcome, in argument order.
var luaAck = redis.NewScript(luaCommon + `
local res, gone, drop, infl, up, acked = {}, {}, {}, {}, {}, {}
local L = P .. 'leases'
local function take(m)
  if acked[m] then return false end
  acked[m] = true
  gone[#gone + 1] = m
  return true
end
local i = 6
while i <= #ARGV do
  local act = ARGV[i]
  if act == 'D' then
    local host, k = ARGV[i + 1], tonumber(ARGV[i + 2])
    local ms = {unpack(ARGV, i + 3, i + 2 + k)}
    local sc = bulk('ZMSCORE', L, ms, 2000)
    local n = 0
    for j = 1, k do
      if sc[j] and take(ms[j]) then
        res[#res + 1] = 1
        drop[#drop + 1] = string.sub(ms[j], 1, 8)
        n = n + 1
      else
        res[#res + 1] = 0
      end
    end
    if n > 0 then
      infl[host] = (infl[host] or 0) + n
      up[host] = true
    end
    i = i + 3 + k
  else
    local m, host = ARGV[i + 1], ARGV[i + 2]
    local fp = string.sub(m, 1, 8)
    local step = 5
    if act == 'X' or act == 'L' then step = 4 end
    if redis.call('ZSCORE', L, m) and take(m) then
      res[#res + 1] = 1
      infl[host] = (infl[host] or 0) + 1
      if act == 'R' then
        up[host] = true
        redis.call('HSET', P .. 'items', fp, ARGV[i + 4])
        redis.call('ZADD', P .. 'recrawl', ARGV[i + 3], fp)
      elseif act == 'T' then
        redis.call('HSET', P .. 'items', fp, ARGV[i + 4])
        redis.call('ZADD', P .. 'timed', ARGV[i + 3], fp)
      elseif act == 'X' then
        drop[#drop + 1] = fp
        redis.call('HSET', P .. 'dead', fp, ARGV[i + 3])
      elseif act == 'L' then
        enqueue(fp, host, tonumber(ARGV[i + 3]))
      elseif act == 'W' then
        enqueue(fp, host, tonumber(ARGV[i + 3]))
        hostfail(host, cjson.decode(ARGV[i + 4]))
        up[host] = nil -- a success before it in this call does not mark the host up
      end
    else
      res[#res + 1] = 0
    end
    i = i + step
  end
end
if #gone > 0 then bulk('ZREM', L, gone, 2000) end
if #drop > 0 then bulk('HDEL', P .. 'items', drop, 2000) end
for h, n in pairs(infl) do
  redis.call('HINCRBY', hk(h), 'inflight', -n)
  touched[h] = true
end
for h in pairs(up) do hostok(h) end
flush()
return res
`)

// Extend: ARGV[6]=lease member, [7]=deadline ms. Returns 1/0.
var luaExtend = redis.NewScript(luaCommon + `
if not redis.call('ZSCORE', P .. 'leases', ARGV[6]) then return 0 end
redis.call('ZADD', P .. 'leases', 'XX', ARGV[7], ARGV[6])
return 1
`)

// Reap: ARGV[6]=limit. Returns the number of expired leases requeued.
var luaReap = redis.NewScript(luaCommon + `
local ms = redis.call('ZRANGEBYSCORE', P .. 'leases', '-inf', now, 'LIMIT', 0, tonumber(ARGV[6]))
if #ms == 0 then return 0 end
bulk('ZREM', P .. 'leases', ms, 2000)
local fps = {}
for _, m in ipairs(ms) do fps[#fps + 1] = string.sub(m, 1, 8) end
for h, n in pairs(requeue(fps)) do redis.call('HINCRBY', hk(h), 'inflight', -n) end
flush()
return #ms
`)

// HostFail: ARGV[6]=host, [7]=fail (as in Ack's 'W').
var luaHostFail = redis.NewScript(luaCommon + `
hostfail(ARGV[6], cjson.decode(ARGV[7]))
flush()
return 1
`)

// HostOK: ARGV[6]=host. Writes only when the host was failing.
var luaHostOK = redis.NewScript(luaCommon + `
if hostok(ARGV[6]) then resched(ARGV[6]) end
return 1
`)

var allScripts = []*redis.Script{luaAdd, luaLease, luaAck, luaExtend, luaReap, luaHostFail, luaHostOK, luaRequeueDead}
