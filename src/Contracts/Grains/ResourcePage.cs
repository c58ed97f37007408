using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Contracts.Grains;

/// <summary>A page of a resource list, with the total count of items that matched the filters.</summary>
[GenerateSerializer, Immutable, Alias("og.ResourcePage")]
public sealed record ResourcePage(
    [property: Id(0)] int Total,
    [property: Id(1)] IReadOnlyList<StoredResource> Items,
    [property: Id(2)] long Version);

/// <summary>Filters and paging for a list, as in APISIX: <c>page</c>, <c>page_size</c>, <c>name</c>, <c>label</c>, <c>uri</c>.</summary>
[GenerateSerializer, Immutable, Alias("og.ListQuery")]
public sealed record ListQuery(
    [property: Id(0)] int Page = 0,
    [property: Id(1)] int PageSize = 0,
    [property: Id(2)] string? Name = null,
    [property: Id(3)] string? Label = null,
    [property: Id(4)] string? Uri = null,
    [property: Id(5)] string? Filter = null);
