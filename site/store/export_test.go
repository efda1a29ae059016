package store

// CopyColumns lists the columns Copy moves, by table, for the test that
// compares them with both schemas.
func CopyColumns() map[string][]string {
	out := map[string][]string{}
	for _, t := range copyTables {
		for _, c := range t.cols {
			out[t.name] = append(out[t.name], c.name)
		}
	}
	return out
}
