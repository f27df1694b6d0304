-- Impairments in scenarios: a slow, lossy link as a probe sees it; the
-- reset between cases puts the link back as built (here: 5 ms of delay
-- from net:link()); the same seed gives the same losses, case after case.
local net = lunet.network("imps")
local h1, h2, s1 = net:host("h1"), net:host("h2"), net:switch("s1")
local l = net:link(h1, s1, { delay = "5ms" })
net:link(s1, h2)

local function lost_seqs()
  local out = h1:cmd("ping -n -c 100 -i 0.005 " .. h2.ip)
  local got, lost = {}, {}
  for s in out:gmatch("icmp_seq=(%d+)") do got[tonumber(s)] = true end
  for i = 1, 100 do if not got[i] then lost[#lost + 1] = i end end
  return table.concat(lost, ",")
end
local seen = {}

lunet.test("a 20 ms, 20% lossy link, as the probe sees it", function()
  net:start()
  l:impair{ delay = "20ms", loss = 0.2, from = "h1", seed = 1 }
  local r = net:probe("h1", "h2", { rate = 200, duration = "2s" })
  assert(r.rtt_avg >= 24.5 and r.rtt_avg < 45, r)  -- 20 ms + 5 ms back
  assert(r.loss > 0.1 and r.loss < 0.3, r)
end)

lunet.test("the reset put the link back as built", function()
  local a = l:impairments().a
  assert(a.text:match("^delay 5ms"), a.text)
  local r = net:probe("h1", "h2", { rate = 100, duration = "1s" })
  assert(r.loss == 0 and r.rtt_avg >= 9.5 and r.rtt_avg < 20, r)
end)

for i = 1, 2 do
  lunet.test("seeded loss, run " .. i, function()
    -- neighbours fixed: only the pings cross the link
    for _, p in ipairs{ { h1, h2 }, { h2, h1 } } do
      local mac = p[2]:cmd("cat /sys/class/net/eth0/address"):gsub("%s", "")
      p[1]:cmd("ip neigh replace " .. p[2].ip .. " lladdr " .. mac .. " dev eth0 nud permanent")
    end
    l:impair{ loss = 0.3, seed = 42 }
    seen[i] = lost_seqs()
    assert(seen[i] ~= "", "nothing lost")
    if i == 2 then assert(seen[1] == seen[2], seen[1] .. " / " .. seen[2]) end
  end)
end
