using OrleansGateway.DataPlane.Routing;

namespace OrleansGateway.DataPlane.Tests.Routing;

public class ShardedMapTests
{
    [Fact]
    public void A_new_version_leaves_the_old_one_untouched()
    {
        var v1 = ShardedMap<int>.From(Enumerable.Range(0, 2000).Select(i => KeyValuePair.Create($"k{i}", i)));
        var builder = v1.ToBuilder();
        builder["k1"] = -1;
        builder["new"] = 7;
        Assert.True(builder.Remove("k2"));
        Assert.False(builder.Remove("absent"));
        var v2 = builder.Build();

        Assert.Equal(2000, v1.Count);
        Assert.Equal(1, v1["k1"]);
        Assert.True(v1.ContainsKey("k2"));
        Assert.False(v1.ContainsKey("new"));

        Assert.Equal(2000, v2.Count);
        Assert.Equal(-1, v2["k1"]);
        Assert.False(v2.ContainsKey("k2"));
        Assert.Equal(7, v2.GetValueOrDefault("new"));
        Assert.Equal(2000, v2.Count());
        Assert.Equal(2000, v2.Keys.Distinct().Count());
    }

    [Fact]
    public void Writes_after_Build_do_not_leak_into_the_built_map()
    {
        var builder = ShardedMap<string>.Empty.ToBuilder();
        builder["a"] = "1";
        var first = builder.Build();
        builder["a"] = "2";
        builder["b"] = "3";
        var second = builder.Build();
        Assert.Equal("1", first["a"]);
        Assert.False(first.ContainsKey("b"));
        Assert.Equal(("2", "3"), (second["a"], second["b"]));
    }

    [Fact]
    public void Span_lookups_find_what_string_keys_stored()
    {
        var map = ShardedMap<int>.From([KeyValuePair.Create("/a/b", 1)]);
        Assert.True(map.TryGetValue("/a/b/c".AsSpan(0, 4), out var value));
        Assert.Equal(1, value);
        Assert.False(map.TryGetValue("/a/x".AsSpan(), out _));
        Assert.Throws<KeyNotFoundException>(() => map["/nope"]);
    }
}
