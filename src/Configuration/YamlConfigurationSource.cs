using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace OrleansGateway.Configuration;

/// <summary>
/// Reads a YAML file into configuration keys (<c>deployment:admin:admin_listen:port</c>; list items by index), so
/// that environment variables override it the usual .NET way (<c>deployment__admin__admin_listen__port</c>).
/// </summary>
public sealed class YamlConfigurationSource(string path, bool optional) : IConfigurationSource
{
    /// <inheritdoc />
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(path, optional);

    private sealed class Provider(string path, bool optional) : ConfigurationProvider
    {
        public override void Load()
        {
            if (!File.Exists(path))
            {
                if (optional)
                {
                    return;
                }
                throw new GatewayConfigException($"configuration file \"{path}\" does not exist");
            }
            var stream = new YamlStream();
            try
            {
                using var reader = new StreamReader(path);
                stream.Load(reader);
            }
            catch (YamlDotNet.Core.YamlException e)
            {
                throw new GatewayConfigException($"configuration file \"{path}\" is not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
            }
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (stream.Documents.Count > 0)
            {
                Flatten(stream.Documents[0].RootNode, null, data);
            }
            Data = data;
        }

        private static void Flatten(YamlNode node, string? prefix, Dictionary<string, string?> data)
        {
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        var name = ((YamlScalarNode)key).Value ?? "";
                        Flatten(value, prefix is null ? name : $"{prefix}:{name}", data);
                    }
                    break;
                case YamlSequenceNode list:
                    for (var i = 0; i < list.Children.Count; i++)
                    {
                        Flatten(list.Children[i], $"{prefix}:{i}", data);
                    }
                    break;
                case YamlScalarNode scalar when prefix is not null:
                    data[prefix] = scalar.Value is "~" or "null" && scalar.Style == YamlDotNet.Core.ScalarStyle.Plain ? null : scalar.Value;
                    break;
            }
        }
    }
}
