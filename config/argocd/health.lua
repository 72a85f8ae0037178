-- Argo CD health of a FlaskDeployment (deploy.flaskops.io). Argo CD runs it with the live
-- object as obj and only Lua's base and table libraries.
local hs = {}

local function condition(type)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

if obj.metadata.annotations ~= nil and obj.metadata.annotations["flaskops.io/paused"] == "true" then
  hs.status = "Suspended"
  hs.message = "Paused by the flaskops.io/paused annotation: the operator makes no AWS call until it is removed"
  return hs
end

local ready = condition("Ready")
local generation = obj.metadata.generation or 0
local observed = 0
if obj.status ~= nil and obj.status.observedGeneration ~= nil then
  observed = obj.status.observedGeneration
end
if observed < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on generation " .. tostring(generation)
  if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
    hs.message = hs.message .. ": " .. ready.message
  end
  return hs
end

local stalled = condition("Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message
  return hs
end

if ready ~= nil and ready.status == "True" then
  if obj.spec ~= nil and obj.spec.suspend == true then
    hs.status = "Suspended"
    hs.message = "Suspended by spec.suspend: the service is at zero and the NAT gateways and load balancer are deleted"
  else
    hs.status = "Healthy"
    hs.message = ready.message
  end
  return hs
end

hs.status = "Progressing"
hs.message = "Waiting for the operator"
if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
  hs.message = ready.message
end
return hs
