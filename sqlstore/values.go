package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// valuesCache runs multi-row "INSERT ... VALUES (...), (...)" statements.
// A batch of n rows is cut into chunks of power-of-two sizes (at most
// chunk), and each size's statement is prepared once per store (see
// prepared): SQLite re-parses a statement on every Exec, which cost a
// quarter of the appender's time.
//
// SQLite gets plain ? placeholders in these long statements: it resolves
// each $n by a linear search of the names seen so far, which makes a
// statement with thousands of them quadratic to prepare and bind (measured:
// 95% of the time of a 256-row insert); ? costs nothing.
type valuesCache struct {
	prefix string
	cols   int
	chunk  int               // a power of two
	texts  [2]map[int]string // by placeholder style ($n, ?), then row count
}

func newValuesCache(prefix string, cols, chunk int) *valuesCache {
	return newExactValuesCache(prefix, cols, chunk, 0)
}

// newAllOrNothingValuesCache is newValuesCache for inserts that only run
// in a transaction (or savepoint) undone as a whole when any statement
// fails. On SQLite they resolve a failed constraint with FAIL instead of
// the default ABORT: the statement then needs no statement journal (a copy
// of every page it changes, kept to undo the statement alone), which cost
// a third of a large multi-row insert. Never use it for statements whose
// failure must leave the rest of their transaction standing (the write
// batcher's shared transactions rely on ABORT).
func newAllOrNothingValuesCache(prefix string, cols, chunk int) *valuesCache {
	c := newValuesCache(prefix, cols, chunk)
	for n, q := range c.texts[1] {
		c.texts[1][n] = strings.Replace(q, "INSERT INTO", "INSERT OR FAIL INTO", 1)
	}
	return c
}

// newExactValuesCache is newValuesCache with a statement for every row
// count up to exact as well, so that single can insert such a batch in one
// statement (no transaction around several).
func newExactValuesCache(prefix string, cols, chunk, exact int) *valuesCache {
	c := &valuesCache{prefix: prefix, cols: cols, chunk: chunk, texts: [2]map[int]string{{}, {}}}
	for n := 1; n <= chunk; n++ {
		if n <= exact || n&(n-1) == 0 {
			c.texts[0][n] = c.build(n, false)
			c.texts[1][n] = c.build(n, true)
		}
	}
	return c
}

// single returns the statement that inserts n rows at once, if one does
// (n is a power of two of at most chunk, or at most newExactValuesCache's
// exact).
func (c *valuesCache) single(db *DB, n int) (string, bool) {
	q, ok := c.texts[c.style(db)][n]
	return q, ok
}

// style is the placeholder style of db's dialect (an index of texts).
func (c *valuesCache) style(db *DB) int {
	if db.dialect.Name() == "sqlite" {
		return 1
	}
	return 0
}

// exec inserts len(args)/cols rows in tx.
func (c *valuesCache) exec(ctx context.Context, db *DB, tx *sql.Tx, args []any) error {
	style := c.style(db)
	for rows := len(args) / c.cols; rows > 0; {
		n := c.chunk
		for n > rows {
			n /= 2
		}
		st, err := db.w.stmtInTx(ctx, tx, c.texts[style][n])
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, args[:n*c.cols]...); err != nil {
			return err
		}
		args, rows = args[n*c.cols:], rows-n
	}
	return nil
}

func (c *valuesCache) build(n int, positional bool) string {
	var b strings.Builder
	b.Grow(len(c.prefix) + n*c.cols*6)
	b.WriteString(c.prefix)
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range c.cols {
			if j > 0 {
				b.WriteString(", ")
			}
			if positional {
				b.WriteByte('?')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(p))
			}
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}
