# Shared by the bench scripts (sourced).
# med FIELD ROWS: the median of the FIELD=value pairs in ROWS (lines of a benchmark's output), or n/a.
med() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2" | sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "n/a")}'; }
