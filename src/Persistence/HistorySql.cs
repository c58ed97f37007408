namespace OrleansGateway.Persistence;

/// <summary>The history queries both stores run as they are (named parameters <c>@g</c>, <c>@a</c>, <c>@b</c>).</summary>
internal static class HistorySql
{
    /// <summary>History rows deleted per statement when pruning (a few milliseconds each).</summary>
    public const int PruneBatch = 2_000;

    /// <summary>
    /// Each resource changed in (<c>@a</c>, <c>@b</c>]: the last change's version, the kind, the id, the value before
    /// its first change in the range and after its last. Columns: version, kind, id, before, after.
    /// </summary>
    public const string NetChanges = """
        SELECT k.last, k.kind, k.id, f.before, l.after
          FROM (SELECT kind, id, min(version) AS first, max(version) AS last FROM og_history
                 WHERE group_id = @g AND version > @a AND version <= @b GROUP BY kind, id) k
          JOIN og_history f ON f.group_id = @g AND f.version = k.first AND f.kind = k.kind AND f.id = k.id
          JOIN og_history l ON l.group_id = @g AND l.version = k.last AND l.kind = k.kind AND l.id = k.id
         ORDER BY k.kind, k.id
        """;

    /// <summary>Every change of the instance configuration (kind -1) after <c>@a</c>, oldest first.</summary>
    public const string ConfigChanges =
        "SELECT version, kind, id, before, after FROM og_history WHERE group_id = @g AND kind = -1 AND version > @a ORDER BY version";
}
