using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TimersClaims : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ClaimedBy",
                table: "ScheduledWork",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LockedUntil",
                table: "ScheduledWork",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ClaimedBy",
                table: "ScheduledWork");

            migrationBuilder.DropColumn(
                name: "LockedUntil",
                table: "ScheduledWork");
        }
    }
}
