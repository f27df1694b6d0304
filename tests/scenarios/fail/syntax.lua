-- A file that does not load: one failing case, the run goes on.
lunet.test("never registered", function() end
