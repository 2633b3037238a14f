-- Admit one grab attempt of a parent, atomically: under the parent's and the address's moving-
-- window limits (by this server's clock), and no other attempt of the parent in flight. Admitted:
-- the attempt is counted in both windows and holds the parent's turn (released by grab.lua).
--
-- KEYS: 1 parent window (list of ms, newest first), 2 address window, 3 parent's turn
-- ARGV: 1 parent limit, 2 parent window (ms), 3 address limit, 4 address window (ms),
--       5 attempt (Idempotency-Key), 6 turn TTL (ms)
-- Returns {code, retry after (ms)}: 'ok', 'parent' or 'address' (over a limit), 'busy' (another
-- attempt in flight), 'same' (this very attempt in flight: a resend).

local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local holder = redis.call('GET', KEYS[3])
if holder then
  if holder == ARGV[5] then
    return {'same', 0}
  end
  return {'busy', 1000}
end

local function retry_after(key, limit, window)
  local oldest = redis.call('LINDEX', key, tonumber(limit) - 1)
  if oldest and tonumber(oldest) > now - tonumber(window) then
    return tonumber(oldest) + tonumber(window) - now
  end
  return nil
end

local wait = retry_after(KEYS[1], ARGV[1], ARGV[2])
if wait then
  return {'parent', wait}
end
wait = retry_after(KEYS[2], ARGV[3], ARGV[4])
if wait then
  return {'address', wait}
end

for i, key in ipairs({KEYS[1], KEYS[2]}) do
  local limit, window = ARGV[i * 2 - 1], ARGV[i * 2]
  redis.call('LPUSH', key, now)
  redis.call('LTRIM', key, 0, tonumber(limit) - 1)
  redis.call('PEXPIRE', key, tonumber(window))
end
redis.call('SET', KEYS[3], ARGV[5], 'PX', tonumber(ARGV[6]))
return {'ok', 0}
