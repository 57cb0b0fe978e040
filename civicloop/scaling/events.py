"""Typed names of the scaling app's audit events."""

from enum import StrEnum


class ScalingEvent(StrEnum):
    ASSESSMENT_CREATED = "scaling.assessment_created"
    ASSESSMENT_SCORED = "scaling.assessment_scored"
    OBSTACLE_CREATED = "scaling.obstacle_created"
    OBSTACLE_UPDATED = "scaling.obstacle_updated"
    PLAN_CREATED = "scaling.replication_plan_created"
    CANDIDATE_ADDED = "scaling.replication_candidate_added"
    REPLICATION_RECORDED = "scaling.replication_recorded"
    REPLICATION_REMEASURED = "scaling.replication_remeasured"
    SANDBOX_APPLIED = "scaling.sandbox_applied"
    SANDBOX_ELIGIBILITY_DECIDED = "scaling.sandbox_eligibility_decided"
    SANDBOX_STARTED = "scaling.sandbox_started"
    SANDBOX_EXTENDED = "scaling.sandbox_extended"
    SANDBOX_REPORTED = "scaling.sandbox_reported"
    SANDBOX_EXITED = "scaling.sandbox_exited"
    SANDBOX_LEARNING_ADDED = "scaling.sandbox_learning_added"
    LESSON_RECORDED = "scaling.lesson_recorded"
    OBSTACLES_EXPORTED = "scaling.obstacles_exported"
