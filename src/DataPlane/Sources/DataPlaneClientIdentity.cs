using System.Reflection;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// Makes an Orleans client connect under a client id of our choosing (<see cref="Contracts.Security.DataPlaneClientId"/>).
/// Orleans 10 draws a random one in its internal <c>LocalClientDetails</c> and offers no option for it, so this
/// registers a copy whose id is set by reflection; it is resolved in place of Orleans' own (the last registration
/// wins). Should a later Orleans rename what this touches, it fails at the first connect with a message saying so,
/// never silently with a random id (the silos would then refuse every group-scoped call).
/// </summary>
public static class DataPlaneClientIdentity
{
    private static readonly Type? DetailsType = typeof(IClusterClient).Assembly.GetType("Orleans.LocalClientDetails");
    private static readonly FieldInfo? IdField = DetailsType?.GetField("<ClientId>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly MethodInfo? CreateId = IdField?.FieldType.GetMethod("Create", BindingFlags.Static | BindingFlags.Public, [typeof(string)]);

    /// <param name="key">The key of the client id (<c>sys.client/&lt;key&gt;</c>).</param>
    public static IClientBuilder UseClientId(this IClientBuilder client, string key)
    {
        if (DetailsType is null || IdField is null || CreateId is null)
        {
            throw new InvalidOperationException($"this Orleans version ({typeof(IClusterClient).Assembly.GetName().Version}) has no settable LocalClientDetails.ClientId; the data plane cannot name its group to the silos");
        }
        client.Services.AddSingleton(DetailsType, sp =>
        {
            var details = ActivatorUtilities.CreateInstance(sp, DetailsType);
            IdField.SetValue(details, CreateId.Invoke(null, [key]));
            return details;
        });
        return client;
    }
}
