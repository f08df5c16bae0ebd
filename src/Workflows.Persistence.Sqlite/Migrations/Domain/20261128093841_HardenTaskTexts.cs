using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Domain.Migrations
{
    /// <inheritdoc />
    public partial class HardenTaskTexts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "TaskTexts",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", nullable: false),
                    InstanceId = table.Column<string>(type: "TEXT", nullable: false),
                    ApplicationId = table.Column<string>(type: "TEXT", nullable: true),
                    TaskId = table.Column<string>(type: "TEXT", nullable: false),
                    Field = table.Column<string>(type: "TEXT", nullable: false),
                    TextProtected = table.Column<string>(type: "TEXT", nullable: false),
                    WrittenBy = table.Column<string>(type: "TEXT", nullable: false),
                    WrittenAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_TaskTexts", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_TaskTexts_ApplicationId",
                table: "TaskTexts",
                column: "ApplicationId");

            migrationBuilder.CreateIndex(
                name: "IX_TaskTexts_InstanceId",
                table: "TaskTexts",
                column: "InstanceId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "TaskTexts");
        }
    }
}
