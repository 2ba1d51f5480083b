package apptest

import "github.com/homekeep/homekeep/client"

// FindCard returns the name of the column of b that shows task id, and its card; "" and the zero card when
// b does not show it.
func FindCard(b client.Board, id int64) (column string, card client.Task) {
	for _, c := range b.Columns {
		for _, task := range c.Tasks {
			if task.ID == id {
				return string(c.Name), task
			}
		}
	}
	return "", client.Task{}
}

// ColumnOf returns the name of the column of b that shows task id, "" when b does not show it.
func ColumnOf(b client.Board, id int64) string {
	column, _ := FindCard(b, id)
	return column
}
