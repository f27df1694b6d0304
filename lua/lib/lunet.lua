-- The part of the lunet module written in Lua, compiled into the binary.
-- It receives the module table built in C and adds to it.
local lunet = ...

lunet.version = "0.1.0"

-- Formats a pingall result as the lines "lunet run" prints.
function lunet.format_pingall(r)
  local lines = {}
  local pct = r.pairs > 0 and (100 * (r.pairs - r.ok) / r.pairs) or 0
  lines[#lines + 1] = string.format(
    "pingall: %d/%d pairs reachable, %.0f%% loss (%.2f s)",
    r.ok, r.pairs, pct, r.time)
  for i, f in ipairs(r.failed) do
    if i > 20 then
      lines[#lines + 1] = string.format("  ... and %d more", #r.failed - 20)
      break
    end
    lines[#lines + 1] = string.format("  %s -> %s: no reply", f[1], f[2])
  end
  return table.concat(lines, "\n")
end

return lunet
