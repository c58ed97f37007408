using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace OrleansGateway.Configuration.Certificates;

/// <summary>
/// What a certificate says its holder is, from its subject alternative name URIs: <c>og-role:silo</c> for a silo
/// (may join the cluster and serve gateways), <c>og-group:&lt;id&gt;</c> for a data plane of that gateway group (one
/// URI per group it serves). <c>scripts/certs.sh</c> issues both kinds.
/// </summary>
public sealed record PeerIdentity(bool IsSilo, IReadOnlyList<string> Groups)
{
    public const string SiloUri = "og-role:silo";
    public const string GroupUriPrefix = "og-group:";

    /// <summary>True when the holder may act as a data plane of <paramref name="group"/>.</summary>
    public bool Serves(string group) => Groups.Contains(group, StringComparer.Ordinal);

    public static PeerIdentity Of(X509Certificate2 certificate)
    {
        var silo = false;
        var groups = new List<string>();
        foreach (var uri in SubjectAlternativeUris(certificate))
        {
            if (uri == SiloUri)
            {
                silo = true;
            }
            else if (uri.StartsWith(GroupUriPrefix, StringComparison.Ordinal) && uri.Length > GroupUriPrefix.Length)
            {
                groups.Add(uri[GroupUriPrefix.Length..]);
            }
        }
        return new PeerIdentity(silo, groups);
    }

    /// <summary>The <c>uniformResourceIdentifier</c> entries (tag [6]) of the SAN extension, if any.</summary>
    public static IEnumerable<string> SubjectAlternativeUris(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions["2.5.29.17"];
        if (extension is null)
        {
            return [];
        }
        var uris = new List<string>();
        try
        {
            var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                if (names.PeekTag().HasSameClassAndValue(uriTag))
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension names nobody.
            return [];
        }
        return uris;
    }

    public override string ToString() =>
        IsSilo ? "silo" : Groups.Count > 0 ? $"data plane of {string.Join(", ", Groups)}" : "no og-role:silo or og-group: URI";
}
