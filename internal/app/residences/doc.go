// Package residences implements the Residences operations of the API: residences with their counts, their
// members and roles (owner, editor, viewer), share codes and joining by code, leaving, and transferring
// ownership.
//
// State: the residence-access cache (app.Access) holds which residences each user can access. Every
// membership change here (create, delete, join, remove, leave, transfer, role change) invalidates it for
// the users concerned once the change has committed; a failure to invalidate is logged, not answered,
// because every query still checks membership in SQL.
//
// Failure handling: a refused write answers 404 when the caller cannot see the residence and 403 when
// their role is too low; joins are rate limited per user and per IP; a transfer that races the new owner
// leaving rolls back.
package residences
