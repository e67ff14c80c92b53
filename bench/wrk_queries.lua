-- wrk_queries.lua - replay a query mix against byline serve's /search.
-- Each wrk thread reads the query file named by the environment variable
-- BYLINE_QUERIES (JSON lines {"query": ...} as in the search-benchmark-game
-- log, or TSV "id<TAB>query" as in TREC topic titles) and sends the queries
-- in turn, each thread from its own starting point. BYLINE_K sets k (10).
-- With BYLINE_ENDPOINT=suggest it sends /suggest with the first 1 to 6
-- characters of each query instead, as a search box would.
local queries = {}
local n = 0
local i = 0

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function load(path)
  local k = os.getenv("BYLINE_K") or "10"
  for line in io.lines(path) do
    local q = line:match('^%s*{.-"query"%s*:%s*"(.-)"%s*,%s*"tags"')
           or line:match('^%s*{.-"query"%s*:%s*"(.-)"%s*}')
    if q then
      q = q:gsub('\\"', '"'):gsub("\\\\", "\\")
    else
      q = line:match("^[^\t]*\t(.+)$")
    end
    if q and q:match("%S") then
      n = n + 1
      if os.getenv("BYLINE_ENDPOINT") == "suggest" then
        local p = q:gsub("[%+%-\"]", ""):sub(1, 1 + n % 6)
        queries[n] = "/suggest?k=8&q=" .. urlencode(p)
      else
        queries[n] = "/search?k=" .. k .. "&q=" .. urlencode(q)
      end
    end
  end
end

local thread_no = 0
function setup(thread)
  thread:set("id", thread_no)
  thread_no = thread_no + 1
end

function init(args)
  load(os.getenv("BYLINE_QUERIES"))
  if n == 0 then error("no queries in " .. tostring(os.getenv("BYLINE_QUERIES"))) end
  i = ((id or 0) * 7919) % n
end

function request()
  i = i % n + 1
  return wrk.format("GET", queries[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "summary: %d requests in %.1f s = %.0f requests/s; latency p50 %.2f ms, " ..
    "p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms; errors: " ..
    "connect %d, read %d, write %d, timeout %d, non-2xx/3xx %d\n",
    summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.timeout, e.status))
end
