using OrleansGateway.Contracts.Resources;

namespace OrleansGateway.Silo.WebConsole;

/// <summary>The resource kinds the console lists, their titles and the fields its forms edit.</summary>
public static class ConsoleKinds
{
    public static readonly IReadOnlyList<ResourceKind> Listed =
    [
        ResourceKind.Route, ResourceKind.Service, ResourceKind.Upstream, ResourceKind.Consumer, ResourceKind.Ssl,
        ResourceKind.GlobalRule, ResourceKind.PluginConfig, ResourceKind.ConsumerGroup, ResourceKind.PluginMetadata,
    ];

    public static string Title(ResourceKind kind) => kind switch
    {
        ResourceKind.Route => "Routes",
        ResourceKind.Service => "Services",
        ResourceKind.Upstream => "Upstreams",
        ResourceKind.Consumer => "Consumers",
        ResourceKind.Ssl => "SSLs",
        ResourceKind.GlobalRule => "Global rules",
        ResourceKind.PluginConfig => "Plugin configs",
        ResourceKind.ConsumerGroup => "Consumer groups",
        ResourceKind.PluginMetadata => "Plugin metadata",
        ResourceKind.Proto => "Protos",
        _ => kind.PathName(),
    };

    /// <summary>How a form field reads and writes its property.</summary>
    public enum FieldType { Text, Number, TextArea, Select, Methods, Nodes, List }

    /// <summary>One form field: the property it edits, its label and how.</summary>
    public sealed record Field(string Name, string Label, FieldType Type, IReadOnlyList<string>? Options = null, string? Hint = null);

    public static readonly IReadOnlyList<string> Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

    /// <summary>The common fields of a kind's form; the JSON editor holds everything.</summary>
    public static IReadOnlyList<Field> Fields(ResourceKind kind) => kind switch
    {
        ResourceKind.Route =>
        [
            new("name", "Name", FieldType.Text), new("uri", "URI", FieldType.Text, Hint: "/path, or /prefix/* for a prefix"),
            new("methods", "Methods", FieldType.Methods), new("host", "Host", FieldType.Text),
            new("upstream_id", "Upstream", FieldType.Select), new("service_id", "Service", FieldType.Select),
            new("priority", "Priority", FieldType.Number), new("status", "Status", FieldType.Select, ["1", "0"], "1 enabled, 0 disabled"),
            new("desc", "Description", FieldType.Text),
        ],
        ResourceKind.Upstream =>
        [
            new("name", "Name", FieldType.Text), new("type", "Balancer", FieldType.Select, ["roundrobin", "chash", "ewma", "least_conn"]),
            new("nodes", "Nodes", FieldType.Nodes, Hint: "one per line: host:port weight"),
            new("scheme", "Scheme", FieldType.Select, ["http", "https", "grpc", "grpcs"]), new("desc", "Description", FieldType.Text),
        ],
        ResourceKind.Service =>
        [
            new("name", "Name", FieldType.Text), new("upstream_id", "Upstream", FieldType.Select), new("desc", "Description", FieldType.Text),
        ],
        ResourceKind.Consumer =>
        [
            new("username", "Username", FieldType.Text), new("group_id", "Consumer group", FieldType.Select), new("desc", "Description", FieldType.Text),
        ],
        ResourceKind.Ssl =>
        [
            new("snis", "SNIs", FieldType.List, Hint: "comma-separated host names"), new("cert", "Certificate (PEM)", FieldType.TextArea),
            new("key", "Private key (PEM)", FieldType.TextArea, Hint: "write-only: never shown; leave empty to keep the stored key"),
        ],
        _ => [new("desc", "Description", FieldType.Text)],
    };
}
