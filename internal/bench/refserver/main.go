// Command refserver is the minimal reference server that Homekeep's benchmark (internal/bench, issue 11
// goal 3) measures Homekeep's board against: net/http, a pgxpool of 8 connections, the very statement
// Homekeep's GET /api/tasks runs (app.HotStatements' TaskBoard), encoding/json, and tokens held in a map.
// It answers GET /api/tasks (the board, grouped into its columns) and GET /healthz, nothing else. It is
// never shipped: only the bench builds it.
//
// Settings: DATABASE_URL, ADDR (host:port), TOKENS (a file of "token<TAB>user id" lines), and
// DAYS_THRESHOLD (the due-soon threshold every user has, 30 by default).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/homekeep/homekeep/internal/app"
)

// poolSize is the reference's fixed pool, opened before it listens.
const poolSize = 8

// card is one row of the board statement. The columns are matched by name, so a statement that grows a
// column stops this server at its first request with a message naming it, rather than measuring less work.
type card struct {
	ID                int64      `db:"id"                  json:"id"`
	ResidenceID       int64      `db:"residence_id"        json:"residence_id"`
	CreatedBy         *int64     `db:"created_by"          json:"created_by"`
	AssignedTo        *int64     `db:"assigned_to"         json:"assigned_to"`
	Title             string     `db:"title"               json:"title"`
	Description       string     `db:"description"         json:"description"`
	CategoryID        *int64     `db:"category_id"         json:"category_id"`
	PriorityID        *int64     `db:"priority_id"         json:"priority_id"`
	FrequencyID       *int64     `db:"frequency_id"        json:"frequency_id"`
	IntervalDays      *int32     `db:"interval_days"       json:"interval_days"`
	RecurrenceAnchor  string     `db:"recurrence_anchor"   json:"recurrence_anchor"`
	InProgress        bool       `db:"in_progress"         json:"in_progress"`
	DueDate           *time.Time `db:"due_date"            json:"due_date"`
	NextDueDate       *time.Time `db:"next_due_date"       json:"next_due_date"`
	EstimatedCost     *float64   `db:"estimated_cost"      json:"estimated_cost"`
	IsCancelled       bool       `db:"is_cancelled"        json:"is_cancelled"`
	IsArchived        bool       `db:"is_archived"         json:"is_archived"`
	CompletionCount   int32      `db:"completion_count"    json:"completion_count"`
	LastCompletedAt   *time.Time `db:"last_completed_at"   json:"last_completed_at"`
	CreatedAt         time.Time  `db:"created_at"          json:"created_at"`
	UpdatedAt         time.Time  `db:"updated_at"          json:"updated_at"`
	ContractorID      *int64     `db:"contractor_id"       json:"contractor_id"`
	CategoryName      *string    `db:"category_name"       json:"category_name"`
	PriorityName      *string    `db:"priority_name"       json:"priority_name"`
	PriorityLevel     *int32     `db:"priority_level"      json:"priority_level"`
	FrequencyName     *string    `db:"frequency_name"      json:"frequency_name"`
	AssigneeFirstName *string    `db:"assignee_first_name" json:"assignee_first_name"`
	AssigneeLastName  *string    `db:"assignee_last_name"  json:"assignee_last_name"`
	ContractorName    *string    `db:"contractor_name"     json:"contractor_name"`
	Today             time.Time  `db:"today"               json:"today"`
	BoardColumn       string     `db:"board_column"        json:"-"`
}

// column and board are the answer's shape: the six columns in board order, each with its cards.
type column struct {
	Name  string  `json:"name"`
	Count int     `json:"count"`
	Tasks []*card `json:"tasks"`
}

type board struct {
	DaysThreshold int      `json:"days_threshold"`
	Columns       []column `json:"columns"`
}

var columnOrder = []string{"overdue", "due_soon", "in_progress", "upcoming", "completed", "cancelled"}

// server holds what a request needs.
type server struct {
	pool      *pgxpool.Pool
	tokens    map[string]int64
	boardSQL  string
	threshold int
}

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	threshold := 30
	if v := os.Getenv("DAYS_THRESHOLD"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("DAYS_THRESHOLD: %w", err)
		}
		threshold = n
	}
	tokens, err := readTokens(os.Getenv("TOKENS"))
	if err != nil {
		return err
	}
	boardSQL, err := boardStatement()
	if err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	cfg.MaxConns, cfg.MinConns = poolSize, poolSize
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("error opening the pool: %w", err)
	}
	defer pool.Close()
	// Open all eight before listening, as Homekeep opens its warm pool.
	conns := make([]*pgxpool.Conn, 0, poolSize)
	for range poolSize {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("error opening the pool: %w", err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Release()
	}

	s := &server{pool: pool, tokens: tokens, boardSQL: boardSQL, threshold: threshold}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/tasks", s.board)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	srv := &http.Server{Addr: os.Getenv("ADDR"), Handler: mux, ReadHeaderTimeout: 15 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("error serving: %w", err)
	}
	return nil
}

// board answers GET /api/tasks: the token from the map, then the one statement, then one encoding.
func (s *server) board(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	userID, known := s.tokens[token]
	if !ok || !known {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	rows, err := s.pool.Query(r.Context(), s.boardSQL, s.threshold, userID, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cards, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[card])
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	b := board{DaysThreshold: s.threshold, Columns: make([]column, len(columnOrder))}
	index := make(map[string]int, len(columnOrder))
	for i, name := range columnOrder {
		b.Columns[i] = column{Name: name, Tasks: []*card{}}
		index[name] = i
	}
	for _, c := range cards {
		i := index[c.BoardColumn]
		b.Columns[i].Tasks = append(b.Columns[i].Tasks, c)
		b.Columns[i].Count++
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(b); err != nil {
		log.Printf("error writing the board: %v", err)
	}
}

// boardStatement returns the text of Homekeep's board statement, found by its sqlc name among the hot
// statements (the reference must run exactly what Homekeep runs).
func boardStatement() (string, error) {
	for _, sql := range app.HotStatements() {
		if strings.HasPrefix(sql, "-- name: TaskBoard ") {
			return sql, nil
		}
	}
	return "", errors.New("the TaskBoard statement is not among app.HotStatements")
}

// readTokens reads "token<TAB>user id" lines.
func readTokens(path string) (map[string]int64, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the bench names the file
	if err != nil {
		return nil, fmt.Errorf("TOKENS: %w", err)
	}
	defer func() { _ = f.Close() }()
	tokens := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		token, id, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("TOKENS: user id %q: %w", id, err)
		}
		tokens[token] = n
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("TOKENS: %w", err)
	}
	return tokens, nil
}
