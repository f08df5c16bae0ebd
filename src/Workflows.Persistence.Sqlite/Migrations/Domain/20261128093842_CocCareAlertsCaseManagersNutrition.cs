using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Domain.Migrations
{
    /// <inheritdoc />
    public partial class CocCareAlertsCaseManagersNutrition : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "CocAlerts",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    ApplicationId = table.Column<string>(type: "TEXT", nullable: false),
                    Grade = table.Column<int>(type: "INTEGER", nullable: false),
                    Source = table.Column<string>(type: "TEXT", nullable: false),
                    DetailProtected = table.Column<string>(type: "TEXT", nullable: false),
                    Handling = table.Column<string>(type: "TEXT", nullable: false),
                    RaisedBy = table.Column<string>(type: "TEXT", nullable: false),
                    RaisedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CocAlerts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "CocCaseManagerAssignments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ApplicationId = table.Column<string>(type: "TEXT", nullable: false),
                    CaseManager = table.Column<string>(type: "TEXT", nullable: false),
                    CaseManagerName = table.Column<string>(type: "TEXT", nullable: false),
                    AssignedBy = table.Column<string>(type: "TEXT", nullable: false),
                    AssignedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CocCaseManagerAssignments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "NutritionAssessments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    ApplicationId = table.Column<string>(type: "TEXT", nullable: false),
                    AssessedOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Score = table.Column<int>(type: "INTEGER", nullable: false),
                    Rating = table.Column<string>(type: "TEXT", nullable: false),
                    AdviceProtected = table.Column<string>(type: "TEXT", nullable: false),
                    RecordedBy = table.Column<string>(type: "TEXT", nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NutritionAssessments", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_CocAlerts_ApplicationId_RaisedAt",
                table: "CocAlerts",
                columns: new[] { "ApplicationId", "RaisedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_CocCaseManagerAssignments_ApplicationId",
                table: "CocCaseManagerAssignments",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_CocCaseManagerAssignments_CaseManager",
                table: "CocCaseManagerAssignments",
                column: "CaseManager");

            migrationBuilder.CreateIndex(
                name: "IX_NutritionAssessments_ApplicationId_AssessedOn",
                table: "NutritionAssessments",
                columns: new[] { "ApplicationId", "AssessedOn" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CocAlerts");

            migrationBuilder.DropTable(
                name: "CocCaseManagerAssignments");

            migrationBuilder.DropTable(
                name: "NutritionAssessments");
        }
    }
}
