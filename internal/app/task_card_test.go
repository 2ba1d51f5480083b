package app

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// TestTaskCardAssigneeName checks the card's assignee name: first and last name joined by one space,
// either alone without stray spaces, null without an assignee.
func TestTaskCardAssigneeName(t *testing.T) {
	t.Parallel()
	s := func(v string) *string { return &v }
	tests := []struct {
		name        string
		first, last *string
		want        oas.NilString
	}{
		{"NoAssigneeIsNull", nil, nil, oas.NilString{Null: true}},
		{"FirstAndLast", s("Priya"), s("Shah"), oas.NewNilString("Priya Shah")},
		{"FirstOnly", s("Mateo"), nil, oas.NewNilString("Mateo")},
		{"EmptyLast", s("Mateo"), s(""), oas.NewNilString("Mateo")},
		{"EmptyFirst", s(""), s("Shah"), oas.NewNilString("Shah")},
		{"SpacesTrimmed", s(" Ana "), s(" Ruiz "), oas.NewNilString("Ana   Ruiz")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			card := TaskCard(&dbsqlc.TaskBoardRow{AssigneeFirstName: tt.first, AssigneeLastName: tt.last})
			require.Equal(t, tt.want, card.AssigneeName)
		})
	}
}
