-- Cases that must fail, each its own way; the runner must go on after each.
lunet.test("an assertion with a message", function()
  lunet.event("before_the_failure", { step = 1 })
  assert(1 + 1 == 3, "arithmetic is broken")
end)

lunet.test("this one passes", function()
  assert(true)
end)

lunet.test("an expectation that never comes true", function()
  lunet.expect(function() return false, "never" end, { within = "200ms" })
end)

lunet.test("a Lua error", function()
  local t = nil
  return t.field
end)

lunet.test("a failing background task", function()
  lunet.at("50ms", function() error("background boom") end)
  lunet.sleep("200ms")
end)

lunet.test("too slow", function()
  lunet.sleep(5)
end, { timeout = "300ms" })

lunet.test("a table as the message", function()
  assert(false, { loss = 0.75, sent = 100 })
end)
