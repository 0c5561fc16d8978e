// Package scorecard rates catalog entities by scorecards defined in config: each
// scorecard has ordered levels (Bronze, Silver, Gold) and rules, CEL expressions over
// the entity, its relations and the facts plugins publish about it. An entity reaches
// the highest level whose rules, and those of every level below, it passes.
//
// The Engine evaluates every scorecard over every entity at start and on a schedule,
// and again, within moments, for the entities that change in the catalog and those
// whose facts change; it keeps each entity's level history, each scorecard's trend and
// the facts in a state bucket of the host's store (bbolt or PostgreSQL). The API type
// serves them under /api/scorecards.
package scorecard
