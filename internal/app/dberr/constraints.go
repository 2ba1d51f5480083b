package dberr

// Constraint is the name of a constraint or unique index of the schema (db/migrations), as PostgreSQL reports
// it in a violation.
type Constraint string

// The constraints handlers map to answers. Each name follows PostgreSQL's own convention, which
// constraints_test.go relies on: <table>_<columns>_fkey for a foreign key, _key for a unique constraint or
// index, _check for a check, _excl for an exclusion constraint. That test fails when a name here is missing from the migrated schema or is of
// another kind, so renaming a constraint in a migration means renaming it here too.
const (
	ContractorSpecialtyLinksSpecialtyIDFkey Constraint = "contractor_specialty_links_specialty_id_fkey"
	ContractorsResidenceIDFkey              Constraint = "contractors_residence_id_fkey"
	DocumentsResidenceIDFkey                Constraint = "documents_residence_id_fkey"
	DocumentsTaskIDFkey                     Constraint = "documents_task_id_fkey"
	NotificationPreferencesUserIDFkey       Constraint = "notification_preferences_user_id_fkey"
	ResidenceMembersResidenceIDFkey         Constraint = "residence_members_residence_id_fkey"
	ResidencesResidenceTypeIDFkey           Constraint = "residences_residence_type_id_fkey"
	ShareCodesActiveCodeKey                 Constraint = "share_codes_active_code_key"
	ShareCodesResidenceIDExcl               Constraint = "share_codes_residence_id_excl"
	ShareCodesResidenceIDFkey               Constraint = "share_codes_residence_id_fkey"
	TaskCompletionsContractorIDFkey         Constraint = "task_completions_contractor_id_fkey"
	TasksCategoryIDFkey                     Constraint = "tasks_category_id_fkey"
	TasksContractorIDFkey                   Constraint = "tasks_contractor_id_fkey"
	TasksFrequencyIDFkey                    Constraint = "tasks_frequency_id_fkey"
	TasksPriorityIDFkey                     Constraint = "tasks_priority_id_fkey"
	TasksResidenceIDFkey                    Constraint = "tasks_residence_id_fkey"
	UsersEmailLowerKey                      Constraint = "users_email_lower_key"
)
