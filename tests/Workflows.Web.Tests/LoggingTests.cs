using System.Net.Http.Json;

namespace Workflows.Web.Tests;

/// <summary>ID numbers, phone numbers and diagnoses never reach a log line, whatever path they travel.</summary>
public sealed class LoggingTests
{
    private const string IdNumber = "11010519491231002X";
    private const string Phone = "13912345678";
    private const string Diagnosis = "乳腺癌骨转移";
    private const string Control = "对照-实例-0001";

    [Fact]
    public async Task Personal_data_in_inputs_task_data_paths_and_errors_is_not_logged()
    {
        var factory = new BackOfficeFactory { DeleteDataOnDispose = false };
        string logs;
        try
        {
            var cm = await factory.ClientAs("CaseManager");
            var specialist = await factory.ClientAs("Specialist");
            var person = new { idNumber = IdNumber, phone = Phone, diagnosis = Diagnosis, note = $"客户 {Phone} 身份证 {IdNumber}" };

            var started = await (await cm.SendAsync(Json.Post("/api/workflow-instances", new { definitionId = "service-request-template", input = person }))).Body();
            var task = started.GetProperty("bookmarks")[0].GetProperty("id").GetString();
            await specialist.SendAsync(Json.Post($"/api/tasks/{task}/complete", new { outcome = "Teleported", data = person }, "bad-outcome"));
            await specialist.SendAsync(Json.Post($"/api/tasks/{task}/complete", new { outcome = "Reached", data = person }, "ok"));
            await cm.GetAsync($"/api/workflow-instances/{Phone}");
            await cm.GetAsync($"/api/workflow-instances/{IdNumber}");
            await cm.GetAsync($"/api/workflow-instances/{Control}"); // logged the same way: the control the search must find
            await cm.PostAsJsonAsync("/api/workflow-instances", new { definitionId = $"{Phone}-{IdNumber}" });
            await cm.PostAsync("/api/workflow-instances", new StringContent($"{{\"definitionId\": \"{Diagnosis}\", {Phone}", System.Text.Encoding.UTF8, "application/json"));
            var token = await specialist.PostAsJsonAsync("/api/auth/token", new { userName = Phone, password = IdNumber });
            Assert.Equal(401, (int)token.StatusCode);
        }
        finally
        {
            factory.Dispose(); // flushes and closes the log file
        }
        logs = string.Join("\n", Directory.GetFiles(factory.LogDirectory).Select(File.ReadAllText));
        factory.DeleteData();
        Assert.Contains("HumanTask\\\" bookmark of", logs);          // the file really holds this run's log
        Assert.Contains("[phone]", logs);                              // the request path with a phone number was masked
        Privacy.AssertHidden(logs, "the log", Control, Phone, IdNumber, Diagnosis, "骨转移");
    }
}
