-- Argo CD health of a DynamoTable (dynamotable.io), from the conditions the operator writes (docs/status.md).
-- Healthy: Ready=True. Degraded: Stalled=True (it will not converge without a change). Suspended: Ready reason
-- PlanOnly (managementPolicy Plan: changes are pending and, by design, not applied). Progressing: everything
-- else, above all a status that does not describe the latest generation yet.
local hs = {}

local function condition(conditions, kind)
  for _, c in ipairs(conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function said(c)
  if c.message ~= nil and c.message ~= "" then
    return c.reason .. ": " .. c.message
  end
  return c.reason
end

if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to look at the table"
  return hs
end

local generation = obj.metadata.generation
if generation ~= nil and obj.status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to handle generation " .. tostring(generation)
  return hs
end

local conditions = obj.status.conditions
local ready = condition(conditions, "Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to look at the table"
  return hs
end
if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end

local stalled = condition(conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = said(stalled)
  return hs
end
if ready.reason == "PlanOnly" then
  hs.status = "Suspended"
  hs.message = said(ready)
  return hs
end

local reconciling = condition(conditions, "Reconciling") or condition(conditions, "Progressing")
if (reconciling ~= nil and reconciling.status == "True") or ready.reason == "Deleting" then
  hs.status = "Progressing"
  hs.message = said(ready)
  return hs
end

-- Ready=False with no work under way and no Stalled condition: a status written by an operator version
-- before Reconciling and Stalled existed, stopped on something that needs a change.
hs.status = "Degraded"
hs.message = said(ready)
return hs
