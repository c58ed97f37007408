using Orleans.Connections.Security;
using OrleansGateway.Configuration.Certificates;

namespace OrleansGateway.DataPlane.Sources;

/// <summary>
/// The client end of an Orleans connection under mutual TLS (a data plane to a silo's gateway, a silo to another silo):
/// presents this node's current certificate (re-read when its files change) and accepts only a silo's certificate
/// signed by the trusted CA.
/// </summary>
public static class OrleansTls
{
    public static void ConfigureClient(TlsOptions options, PeerCertificateValidator validator, string where)
    {
        options.LocalClientCertificateSelector = (_, _, _, _, _) => validator.Files.Current.Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (peer, chain, _) => validator.Accept(peer, chain, PeerRequirement.Silo, where);
    }

    /// <summary>A client's TLS options, for <c>IClientBuilder.UseTls</c> or a silo's outbound connections.</summary>
    public static TlsOptions Client(PeerCertificateValidator validator, string where)
    {
        var options = new TlsOptions();
        ConfigureClient(options, validator, where);
        return options;
    }
}
