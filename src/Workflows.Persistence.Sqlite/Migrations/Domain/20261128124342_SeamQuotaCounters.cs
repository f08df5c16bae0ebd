using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Domain.Migrations
{
    /// <inheritdoc />
    public partial class SeamQuotaCounters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "QuotaCounters",
                columns: table => new
                {
                    PolicyId = table.Column<string>(type: "TEXT", nullable: false),
                    ServiceCode = table.Column<string>(type: "TEXT", nullable: false),
                    PeriodStart = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    Used = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_QuotaCounters", x => new { x.PolicyId, x.ServiceCode, x.PeriodStart });
                });
            // Every quota's counter starts at the uses held today (reserved or consumed).
            migrationBuilder.Sql("""
                INSERT INTO QuotaCounters (PolicyId, ServiceCode, PeriodStart, Used)
                SELECT PolicyId, ServiceCode, PeriodStart, COUNT(*) FROM QuotaUses WHERE State <> 'Released' GROUP BY PolicyId, ServiceCode, PeriodStart
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "QuotaCounters");
        }
    }
}
