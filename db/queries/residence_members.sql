-- name: ResidenceMemberList :many
-- The members of a residence, owner first; empty when the caller is not a member.
SELECT m.user_id, m.role, m.joined_at, u.email, u.first_name, u.last_name
FROM residence_members m
JOIN users u ON u.id = m.user_id
WHERE m.residence_id = @residence_id
  AND EXISTS (SELECT 1 FROM residence_members me WHERE me.residence_id = @residence_id AND me.user_id = @user_id)
ORDER BY (m.role = 'owner') DESC, m.joined_at, m.user_id;

-- name: ResidenceMemberRemove :one
-- Removes a non-owner member: the owner may remove anyone, a member may remove themself (leaving). Tasks
-- assigned to the member in this residence become unassigned in the same statement.
WITH removed AS (
    DELETE FROM residence_members rm
    WHERE rm.residence_id = @residence_id AND rm.user_id = @member_id AND rm.role <> 'owner'
      AND (@member_id::bigint = @user_id::bigint
           OR EXISTS (SELECT 1 FROM residences r WHERE r.id = @residence_id AND r.owner_id = @user_id))
    RETURNING rm.user_id
), unassigned AS (
    -- The member's tasks here lose them as assignee, and their personal contractors, which the remaining
    -- members cannot see, as contractor.
    UPDATE tasks SET
        assigned_to   = CASE WHEN tasks.assigned_to IN (SELECT user_id FROM removed) THEN NULL ELSE tasks.assigned_to END,
        contractor_id = CASE WHEN tasks.contractor_id IN (
                            SELECT pc.id FROM contractors pc
                            WHERE pc.residence_id IS NULL AND pc.created_by IN (SELECT user_id FROM removed))
                        THEN NULL ELSE tasks.contractor_id END,
        updated_at    = now()
    WHERE tasks.residence_id = @residence_id
      AND (tasks.assigned_to IN (SELECT user_id FROM removed)
           OR tasks.contractor_id IN (SELECT pc.id FROM contractors pc
                                      WHERE pc.residence_id IS NULL AND pc.created_by IN (SELECT user_id FROM removed)))
)
SELECT count(*)::bigint AS removed FROM removed;

-- name: ResidenceMemberRoles :one
-- Explains a refused membership change: the caller's and the target's roles in the residence ('' when
-- not a member).
SELECT coalesce((SELECT a.role FROM residence_members a WHERE a.residence_id = @residence_id AND a.user_id = @user_id), '')::text AS caller_role,
       coalesce((SELECT b.role FROM residence_members b WHERE b.residence_id = @residence_id AND b.user_id = @member_id), '')::text AS member_role;

-- name: ResidenceMemberSetRole :execrows
-- The owner changes a non-owner member's role.
UPDATE residence_members rm SET role = @role
WHERE rm.residence_id = @residence_id AND rm.user_id = @member_id AND rm.role <> 'owner'
  AND EXISTS (SELECT 1 FROM residences r WHERE r.id = @residence_id AND r.owner_id = @user_id);
