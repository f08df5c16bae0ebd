using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TasksHumanTasks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "HumanTasks",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    InstanceId = table.Column<string>(type: "TEXT", nullable: false),
                    DefinitionId = table.Column<string>(type: "TEXT", nullable: false),
                    ActivityId = table.Column<string>(type: "TEXT", nullable: false),
                    ActivityType = table.Column<string>(type: "TEXT", nullable: false),
                    Title = table.Column<string>(type: "TEXT", nullable: false),
                    Instructions = table.Column<string>(type: "TEXT", nullable: true),
                    OutcomesJson = table.Column<string>(type: "TEXT", nullable: false),
                    ServiceCode = table.Column<string>(type: "TEXT", nullable: true),
                    ServiceName = table.Column<string>(type: "TEXT", nullable: true),
                    CaseId = table.Column<string>(type: "TEXT", nullable: true),
                    Reference = table.Column<string>(type: "TEXT", nullable: true),
                    SubjectName = table.Column<string>(type: "TEXT", nullable: true),
                    SubjectUserId = table.Column<string>(type: "TEXT", nullable: true),
                    CandidateRole = table.Column<string>(type: "TEXT", nullable: false),
                    EscalatedTo = table.Column<string>(type: "TEXT", nullable: true),
                    EscalatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Assignee = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DueAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DueKey = table.Column<long>(type: "INTEGER", nullable: false),
                    Hours = table.Column<string>(type: "TEXT", nullable: false),
                    RemainingKey = table.Column<long>(type: "INTEGER", nullable: false),
                    FollowUpAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Revision = table.Column<long>(type: "INTEGER", nullable: false),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ClosedBy = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HumanTasks", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SavedTaskFilters",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    UserName = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    QueryJson = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SavedTaskFilters", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "TaskDelegations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Delegator = table.Column<string>(type: "TEXT", nullable: false),
                    Delegate = table.Column<string>(type: "TEXT", nullable: false),
                    DelegatorRoles = table.Column<string>(type: "TEXT", nullable: false),
                    From = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    To = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TaskDelegations", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_All_Created",
                table: "HumanTasks",
                column: "Id",
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_All_Due",
                table: "HumanTasks",
                columns: new[] { "DueKey", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_All_Priority",
                table: "HumanTasks",
                columns: new[] { "Priority", "DueKey", "Id" },
                descending: new[] { true, false, false },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_All_Remaining",
                table: "HumanTasks",
                columns: new[] { "Hours", "RemainingKey", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Assignee_Created",
                table: "HumanTasks",
                columns: new[] { "Assignee", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Assignee_Due",
                table: "HumanTasks",
                columns: new[] { "Assignee", "DueKey", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Assignee_Priority",
                table: "HumanTasks",
                columns: new[] { "Assignee", "Priority", "DueKey", "Id" },
                descending: new[] { false, true, false, false },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Assignee_Remaining",
                table: "HumanTasks",
                columns: new[] { "Assignee", "Hours", "RemainingKey", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_CaseId",
                table: "HumanTasks",
                column: "CaseId");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Escalated_Created",
                table: "HumanTasks",
                columns: new[] { "EscalatedTo", "Assignee", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Escalated_Due",
                table: "HumanTasks",
                columns: new[] { "EscalatedTo", "Assignee", "DueKey", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Escalated_Priority",
                table: "HumanTasks",
                columns: new[] { "EscalatedTo", "Assignee", "Priority", "DueKey", "Id" },
                descending: new[] { false, false, true, false, false },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Escalated_Remaining",
                table: "HumanTasks",
                columns: new[] { "EscalatedTo", "Assignee", "Hours", "RemainingKey", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_InstanceId",
                table: "HumanTasks",
                column: "InstanceId");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Reference",
                table: "HumanTasks",
                column: "Reference",
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Role_Created",
                table: "HumanTasks",
                columns: new[] { "CandidateRole", "Assignee", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Role_Due",
                table: "HumanTasks",
                columns: new[] { "CandidateRole", "Assignee", "DueKey", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Role_Priority",
                table: "HumanTasks",
                columns: new[] { "CandidateRole", "Assignee", "Priority", "DueKey", "Id" },
                descending: new[] { false, false, true, false, false },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_Role_Remaining",
                table: "HumanTasks",
                columns: new[] { "CandidateRole", "Assignee", "Hours", "RemainingKey", "Id" },
                filter: "\"Status\" = 'Open'");

            migrationBuilder.CreateIndex(
                name: "IX_HumanTasks_SubjectUserId_Status",
                table: "HumanTasks",
                columns: new[] { "SubjectUserId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_SavedTaskFilters_UserName_Name",
                table: "SavedTaskFilters",
                columns: new[] { "UserName", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_TaskDelegations_Delegate_To",
                table: "TaskDelegations",
                columns: new[] { "Delegate", "To" });

            migrationBuilder.CreateIndex(
                name: "IX_TaskDelegations_Delegator_To",
                table: "TaskDelegations",
                columns: new[] { "Delegator", "To" });

            // Tasks already open when this migration runs: their rows from the bookmarks (no subject; due time when known).
            migrationBuilder.Sql("""
                INSERT INTO HumanTasks (Id, InstanceId, DefinitionId, ActivityId, ActivityType, Title, Instructions, OutcomesJson, CandidateRole, EscalatedTo,
                    EscalatedAt, Assignee, CreatedAt, DueAt, DueKey, Hours, RemainingKey, Priority, Status, Revision)
                SELECT b.Id, b.InstanceId, i.DefinitionId, b.ActivityId, b.ActivityType, COALESCE(json_extract(b.PayloadJson, '$.title'), b.Name),
                    json_extract(b.PayloadJson, '$.instructions'), COALESCE(json_extract(b.PayloadJson, '$.outcomes'), '[]'),
                    COALESCE(json_extract(b.PayloadJson, '$.role'), ''), json_extract(b.PayloadJson, '$.escalatedTo'), NULL, NULL, b.CreatedAt,
                    CAST((julianday(json_extract(b.PayloadJson, '$.dueAt')) - 1721425.5) * 864000000000 AS INTEGER),
                    COALESCE(CAST((julianday(json_extract(b.PayloadJson, '$.dueAt')) - 1721425.5) * 864000000000 AS INTEGER), 9223372036854775807),
                    '', 9223372036854775807, COALESCE(json_extract(b.PayloadJson, '$.priority'), 0), 'Open', 0
                FROM Bookmarks b JOIN WorkflowInstances i ON i.Id = b.InstanceId
                WHERE b.Kind = 'HumanTask';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "HumanTasks");

            migrationBuilder.DropTable(
                name: "SavedTaskFilters");

            migrationBuilder.DropTable(
                name: "TaskDelegations");
        }
    }
}
