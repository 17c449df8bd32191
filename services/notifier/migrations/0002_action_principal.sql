-- Who was authenticated when staff acted: the bearer token's subject. `actor` stays the member
-- of staff the request names (`by`); system actions (labs rules, escalation) have no principal.
alter table alert_actions add column principal text;
