package app

import "github.com/homekeep/homekeep/internal/gen/dbsqlc"

// HotStatements are the reads on the hot paths (authentication, the board, lists, single items). The pool
// prepares them on every connection before it takes traffic, so PostgreSQL plans each once per connection
// instead of on every request; they still cost one round trip each. Everything else runs unprepared (one
// round trip, planned per execution).
func HotStatements() []string {
	return []string{
		dbsqlc.AuthTokenUser,
		dbsqlc.ContractorList,
		dbsqlc.ContractorListByToken,
		dbsqlc.DocumentList,
		dbsqlc.DocumentListByToken,
		dbsqlc.ResidenceGet,
		dbsqlc.ResidenceIDsForUser,
		dbsqlc.ResidenceList,
		dbsqlc.ResidenceListByToken,
		dbsqlc.StaticDataList,
		dbsqlc.TaskBoard,
		dbsqlc.TaskBoardByToken,
		dbsqlc.TaskGet,
		dbsqlc.UserGetActive,
	}
}
