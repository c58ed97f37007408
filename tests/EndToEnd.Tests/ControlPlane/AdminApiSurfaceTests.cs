using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OrleansGateway.TestSupport;

namespace OrleansGateway.EndToEnd.Tests.ControlPlane;

/// <summary>The Admin API's HTTP surface on a real silo: envelopes, status codes, groups, bulk import, roles.</summary>
public sealed class AdminApiSurfaceTests : IAsyncLifetime
{
    private const string AdminKey = "surface-admin-key-0123456789";
    private const string ViewerKey = "surface-viewer-key-0123456789";
    private SiloProcess _silo = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(RepoPaths.TempFolder("og-api"), extraEnv: new Dictionary<string, string>
        {
            ["deployment__admin__admin_key__0__key"] = AdminKey,
            ["deployment__admin__admin_key__1__name"] = "ro",
            ["deployment__admin__admin_key__1__key"] = ViewerKey,
            ["deployment__admin__admin_key__1__role"] = "viewer",
        });
        _admin = _silo.AdminClient();
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _silo.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonNode Body)> Read(Task<HttpResponseMessage> call)
    {
        var response = await call;
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task Post_patch_delete_and_list_use_apisix_envelopes()
    {
        var (status, created) = await Read(_admin.PostAsync("/apisix/admin/upstreams", Json("""{"nodes":{"127.0.0.1:1980":1},"name":"up"}""")));
        Assert.Equal(HttpStatusCode.Created, status);
        var id = created["value"]!["id"]!.GetValue<string>();
        Assert.Equal($"/apisix/upstreams/{id}", created["key"]!.GetValue<string>());

        var (patchStatus, patched) = await Read(_admin.PatchAsync($"/apisix/admin/upstreams/{id}", Json("""{"name":"renamed"}""")));
        Assert.Equal(HttpStatusCode.OK, patchStatus);
        Assert.Equal("renamed", patched["value"]!["name"]!.GetValue<string>());
        Assert.Equal(created["createdIndex"]!.GetValue<long>(), patched["createdIndex"]!.GetValue<long>());

        var conflict = new HttpRequestMessage(HttpMethod.Put, $"/apisix/admin/upstreams/{id}") { Content = Json("""{"nodes":{"127.0.0.1:1":1}}""") };
        conflict.Headers.TryAddWithoutValidation("If-Match", created["modifiedIndex"]!.ToJsonString());
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.SendAsync(conflict)).StatusCode);

        var (listStatus, list) = await Read(_admin.GetAsync("/apisix/admin/upstreams?name=renamed"));
        Assert.Equal(HttpStatusCode.OK, listStatus);
        Assert.Equal(1, list["total"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync("/apisix/admin/upstreams?page=1&page_size=5")).StatusCode);

        var (deleteStatus, deleted) = await Read(_admin.DeleteAsync($"/apisix/admin/upstreams/{id}"));
        Assert.Equal(HttpStatusCode.OK, deleteStatus);
        Assert.Equal("""{"deleted":"1","key":"/apisix/upstreams/ID"}""".Replace("ID", id, StringComparison.Ordinal), deleted.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/apisix/admin/upstreams/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/apisix/admin/stream_routes")).StatusCode);
    }

    [Fact]
    public async Task Put_without_path_id_takes_the_id_from_the_body()
    {
        var (status, item) = await Read(_admin.PutAsync("/apisix/admin/upstreams", Json("""{"id":"from-body","nodes":{"127.0.0.1:1":1}}""")));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("/apisix/upstreams/from-body", item["key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PutAsync("/apisix/admin/upstreams", Json("""{"nodes":{"127.0.0.1:1":1}}"""))).StatusCode);
    }

    [Fact]
    public async Task Groups_are_created_used_exported_and_deleted()
    {
        var (status, group) = await Read(_admin.PostAsync("/api/gateway_groups", Json("""{"id":"team-a","name":"Team A"}""")));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("Team A", group["name"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync("/api/gateway_groups", Json("""{"id":"team-a"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsync("/api/gateway_groups", Json("""{"id":"bad id"}"""))).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await _admin.PutAsync("/apisix/admin/upstreams/1?gateway_group_id=team-a", Json("""{"nodes":{"127.0.0.1:1":1}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/apisix/admin/upstreams/1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PutAsync("/apisix/admin/upstreams/1?gateway_group_id=nobody", Json("""{"nodes":{"127.0.0.1:1":1}}"""))).StatusCode);

        var (configStatus, config) = await Read(_admin.PutAsync("/api/gateway_groups/team-a/config", Json("""{"discovery":{"dns":{"servers":["127.0.0.1:53"]}}}""")));
        Assert.Equal(HttpStatusCode.OK, configStatus);
        Assert.Equal(2, config["version"]!.GetValue<long>());

        var (_, export) = await Read(_admin.GetAsync("/api/gateway_groups/team-a/export"));
        Assert.Equal(2, export["version"]!.GetValue<long>());
        Assert.Equal("1", export["resources"]!["upstreams"]![0]!["id"]!.GetValue<string>());
        Assert.NotNull(export["config"]!["discovery"]);

        var (_, groups) = await Read(_admin.GetAsync("/api/gateway_groups"));
        Assert.Contains(groups["list"]!.AsArray(), g => g!["id"]!.GetValue<string>() == "team-a");
        Assert.Contains(groups["list"]!.AsArray(), g => g!["id"]!.GetValue<string>() == "default");
        Assert.Equal(HttpStatusCode.OK, (await _admin.DeleteAsync("/api/gateway_groups/team-a")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/gateway_groups/team-a")).StatusCode);
    }

    [Fact]
    public async Task Apisix_yaml_imports_into_a_group_and_reads_back_in_standalone_shape()
    {
        await _admin.PostAsync("/api/gateway_groups", Json("""{"id":"yaml-import"}"""));
        const string yaml = """
            upstreams:
              - id: 1
                nodes:
                  "127.0.0.1:1980": 1
            routes:
              - id: 1
                uri: /ip
                upstream_id: 1
            #END
            """;
        var put = await _admin.PutAsync("/apisix/admin/configs?gateway_group_id=yaml-import", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var (_, configs) = await Read(_admin.GetAsync("/apisix/admin/configs?gateway_group_id=yaml-import"));
        Assert.Equal("/ip", configs["routes"]![0]!["uri"]!.GetValue<string>());
        Assert.Equal(1, configs["routes_conf_version"]!.GetValue<long>());

        // The export is importable as it is.
        var again = await _admin.PutAsync("/apisix/admin/configs?gateway_group_id=yaml-import", Json(configs.ToJsonString()));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var broken = await _admin.PutAsync("/apisix/admin/configs?gateway_group_id=yaml-import", new StringContent("routes: [\n", Encoding.UTF8, "application/yaml"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("invalid YAML", await broken.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Viewer_key_reads_but_cannot_write()
    {
        using var viewer = new HttpClient { BaseAddress = _silo.Http.BaseAddress };
        viewer.DefaultRequestHeaders.Add("X-API-KEY", ViewerKey);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/apisix/admin/routes")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await viewer.PutAsync("/apisix/admin/upstreams/v", Json("""{"nodes":{"127.0.0.1:1":1}}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/apisix/admin/upstreams/v")).StatusCode);
    }

    [Fact]
    public async Task The_key_is_read_from_the_api_key_argument_the_header_or_a_cookie_and_refusals_say_why_as_APISIX()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _silo.Http.BaseAddress };
        async Task<(HttpStatusCode, string)> Get(string path, string? header = null, string? cookie = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (header is not null)
            {
                request.Headers.Add("X-API-KEY", header);
            }
            if (cookie is not null)
            {
                request.Headers.Add("Cookie", "X-API-KEY=" + cookie);
            }
            using var response = await anonymous.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.OK, (await Get("/apisix/admin/routes?api_key=" + AdminKey)).Item1);
        Assert.Equal(HttpStatusCode.OK, (await Get("/apisix/admin/routes", cookie: ViewerKey)).Item1);
        // The argument comes first, as in APISIX: a wrong one is not saved by a right header.
        var (wrongStatus, wrong) = await Get("/apisix/admin/routes?api_key=nope", header: AdminKey);
        Assert.Equal((HttpStatusCode.Unauthorized, """{"error_msg":"failed to check token","description":"wrong apikey"}"""), (wrongStatus, wrong));
        Assert.Equal("""{"error_msg":"failed to check token","description":"missing apikey"}""", (await Get("/apisix/admin/routes")).Item2);
        using var write = new HttpRequestMessage(HttpMethod.Delete, "/apisix/admin/routes/x?api_key=" + ViewerKey);
        using var refused = await anonymous.SendAsync(write);
        Assert.Equal("""{"error_msg":"failed to check token","description":"invalid method for role viewer"}""", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_ssl_private_key_never_leaves_by_a_read()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=secret.test", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var body = new JsonObject { ["cert"] = certificate.ExportCertificatePem(), ["key"] = key.ExportPkcs8PrivateKeyPem(), ["snis"] = new JsonArray("secret.test") };
        const string Group = "?gateway_group_id=default";

        // The write answers with what was stored, key included, as APISIX does.
        var (created, stored) = await Read(_admin.PutAsync("/apisix/admin/ssls/s1" + Group, Json(body.ToJsonString())));
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.NotNull(stored["value"]!["key"]);

        var (_, one) = await Read(_admin.GetAsync("/apisix/admin/ssls/s1" + Group));
        Assert.Equal("secret.test", one["value"]!["snis"]![0]!.GetValue<string>());
        var (_, list) = await Read(_admin.GetAsync("/apisix/admin/ssls" + Group));
        var (_, export) = await Read(_admin.GetAsync("/api/gateway_groups/default/export"));
        var (_, configs) = await Read(_admin.GetAsync("/apisix/admin/configs" + Group));
        foreach (var read in new[] { one["value"]!, list["list"]![0]!["value"]!, export["resources"]!["ssls"]![0]!, configs["ssls"]![0]! })
        {
            Assert.Equal("s1", read["id"]!.GetValue<string>());
            Assert.False(read.AsObject().ContainsKey("key"), read.ToJsonString());
            Assert.DoesNotContain("PRIVATE KEY", read.ToJsonString(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.OK, (await _admin.DeleteAsync("/apisix/admin/ssls/s1" + Group)).StatusCode);
    }

    [Fact]
    public async Task Validation_tools_check_without_storing_and_list_every_problem_of_a_set()
    {
        var ok = await _admin.PostAsync("/apisix/admin/schema/validate/routes", Json("""{"uri":"/v","upstream":{"nodes":{"127.0.0.1:1":1}}}"""));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var (status, body) = await Read(_admin.PostAsync("/apisix/admin/schema/validate/routes", Json("""{"uri":"/v","upstream":{"nodes":{"127.0.0.1:1":1}},"vars":[["arg_a","=","1"]]}""")));
        Assert.Equal((HttpStatusCode.BadRequest, "failed to validate the 'vars' expression: invalid operator '='"), (status, body["error_msg"]!.GetValue<string>()));
        var routes = (await Read(_admin.GetAsync("/apisix/admin/routes"))).Body["list"]!.AsArray();
        Assert.DoesNotContain(routes, r => r!["value"]!["uri"]!.GetValue<string>() == "/v"); // nothing was stored

        var set = """
            {"routes":[{"id":"a","uri":"/a","upstream_id":"missing"},{"id":"b","uri":1}],
             "upstreams":[{"id":"u","nodes":{"127.0.0.1:1":1}},{"id":"u","nodes":{"127.0.0.1:2":1}}]}
            """;
        (status, body) = await Read(_admin.PostAsync("/apisix/admin/configs/validate", Json(set)));
        Assert.Equal((HttpStatusCode.BadRequest, "Configuration validation failed"), (status, body["error_msg"]!.GetValue<string>()));
        var errors = body["errors"]!.AsArray().Select(e => (e!["resource_type"]!.GetValue<string>(), e["resource_id"]?.GetValue<string>(), e["error"]!.GetValue<string>())).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Item1 == "routes" && e.Item2 == "b" && e.Item3.Contains("property \"uri\" validation failed", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Item1 == "upstreams" && e.Item2 == "u" && e.Item3.Contains("duplicate id", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Item1 == "routes" && e.Item2 == "a" && e.Item3.Contains("references upstreams \"missing\"", StringComparison.Ordinal));
        (status, body) = await Read(_admin.PostAsync("/apisix/admin/configs/validate", Json("""{"upstreams":[{"id":"u","nodes":{"127.0.0.1:1":1}}]}""")));
        Assert.Equal((HttpStatusCode.OK, "{}"), (status, body.ToJsonString()));

        var plugins = (await Read(_admin.GetAsync("/apisix/admin/plugins/list"))).Body.AsArray().Select(p => p!.GetValue<string>()).ToList();
        Assert.Equal("real-ip", plugins[0]); // highest priority first (23000)
        Assert.Contains("limit-count", plugins);
        var reload = await _admin.PutAsync("/apisix/admin/plugins/reload", null);
        Assert.Equal((HttpStatusCode.OK, "done"), (reload.StatusCode, await reload.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _admin.GetAsync("/apisix/admin/plugins/reload")).StatusCode);
    }

    [Fact]
    public async Task A_ttl_is_refused_with_apisix_text_and_a_patch_keeps_the_times_it_gives()
    {
        var (status, body) = await Read(_admin.PutAsync("/apisix/admin/upstreams/ttl?ttl=xxx", Json("""{"nodes":{"127.0.0.1:1":1}}""")));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid argument ttl: should be a number"), (status, body["error_msg"]!.GetValue<string>()));
        (status, body) = await Read(_admin.PutAsync("/apisix/admin/upstreams/ttl?ttl=5", Json("""{"nodes":{"127.0.0.1:1":1}}""")));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid argument ttl: not supported"), (status, body["error_msg"]!.GetValue<string>()));

        await _admin.PutAsync("/apisix/admin/upstreams/times", Json("""{"nodes":{"127.0.0.1:1":1}}"""));
        (_, body) = await Read(_admin.PatchAsync("/apisix/admin/upstreams/times", Json("""{"create_time":1705252779}""")));
        Assert.Equal(1705252779, body["value"]!["create_time"]!.GetValue<long>());
        Assert.NotEqual(1705252779, body["value"]!["update_time"]!.GetValue<long>()); // now, as no update_time was given
        (_, body) = await Read(_admin.PatchAsync("/apisix/admin/upstreams/times", Json("""{"desc":"d","update_time":1705252780}""")));
        Assert.Equal((1705252779L, 1705252780L), (body["value"]!["create_time"]!.GetValue<long>(), body["value"]!["update_time"]!.GetValue<long>()));
        (status, _) = await Read(_admin.PatchAsync("/apisix/admin/upstreams/times", Json("""{"create_time":"yesterday"}""")));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, body) = await Read(_admin.PutAsync("/apisix/admin/upstreams/times", Json("""{"nodes":{"127.0.0.1:1":1},"create_time":1}""")));
        Assert.Equal((HttpStatusCode.BadRequest, "the property is forbidden:  create_time"), (status, body["error_msg"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Admin_cors_answers_a_preflight_without_a_key_and_marks_answers_readable_as_apisix()
    {
        using var anonymous = new HttpClient { BaseAddress = _admin.BaseAddress };
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/apisix/admin/routes");
        preflight.Headers.Add("Origin", "https://console.example");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        var answer = await anonymous.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("*", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("POST, GET, PUT, OPTIONS, DELETE, PATCH", answer.Headers.GetValues("Access-Control-Allow-Methods").Single());
        var read = await _admin.GetAsync("/apisix/admin/routes");
        Assert.Equal("*", read.Headers.GetValues("Access-Control-Allow-Origin").Single());
        // The key is still needed for everything but the preflight.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/apisix/admin/routes")).StatusCode);
    }
}
